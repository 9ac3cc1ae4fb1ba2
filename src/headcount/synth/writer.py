"""CSV output: a plain header line, then RFC 4180 rows written by Arrow in one pass."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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

    def __init__(self, path: Path, columns: Sequence[str], background: bool = False):
        self.path = path
        self.columns = tuple(columns)
        self.rows = 0
        self._file = pa.OSFile(str(path), "wb")
        self._file.write((",".join(self.columns) + "\n").encode("utf-8"))
        self._writer: pacsv.CSVWriter | None = None
        # Arrow formats CSV without the GIL: with background=True one table is written while
        # the caller builds the next (at most one waits, so memory stays bounded).
        self._pool = ThreadPoolExecutor(max_workers=1) if background else None
        self._pending: Future[None] | None = None

    def write(self, table: pa.Table) -> None:
        if tuple(table.column_names) != self.columns:
            raise ValueError(f"{self.path.name}: columns {table.column_names} != {self.columns}")
        if self._writer is None:
            options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
            self._writer = pacsv.CSVWriter(self._file, table.schema, write_options=options)
        self.rows += table.num_rows
        if self._pool is None:
            self._writer.write_table(table)
            return
        self._wait()
        self._pending = self._pool.submit(self._writer.write_table, table)

    def _wait(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None

    def close(self) -> None:
        try:
            self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
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
