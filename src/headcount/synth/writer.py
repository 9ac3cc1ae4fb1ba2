"""CSV output: a plain header line, then RFC 4180 rows written by Arrow in one pass."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pacsv

from headcount.contract.tables import Table


class CsvSink:
    """Streams tables with a fixed column list into one CSV file.

    Arrow quotes every string value (fields may hold commas and newlines); the header is
    written by hand so column names appear bare, exactly as the contract spells them.
    """

    def __init__(self, path: Path, columns: Sequence[str]):
        self.path = path
        self.columns = tuple(columns)
        self.rows = 0
        self._file = pa.OSFile(str(path), "wb")
        self._file.write((",".join(self.columns) + "\n").encode("utf-8"))
        self._writer: pacsv.CSVWriter | None = None

    def write(self, table: pa.Table) -> None:
        if tuple(table.column_names) != self.columns:
            raise ValueError(f"{self.path.name}: columns {table.column_names} != {self.columns}")
        if self._writer is None:
            options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
            self._writer = pacsv.CSVWriter(self._file, table.schema, write_options=options)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._file.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_table(path: Path, spec: Table, table: pa.Table) -> int:
    with CsvSink(path, spec.column_names) as sink:
        sink.write(table)
        return sink.rows
