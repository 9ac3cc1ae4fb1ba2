"""The one exception ingest raises when a dataset cannot be read as a whole."""

from __future__ import annotations


class DatasetError(Exception):
    """A dataset problem that stops the run (exit status 2).

    `file` is the file name inside the dataset folder (or the folder itself when a file is
    missing), `row` the 1-based data-record number (header excluded) when the problem is in a
    row, `column` the column (or, for headcount.toml, the setting) concerned, and `problem` a
    plain-English description. str() joins them as
    ``roster.csv, row 12, column employee_id: 'E0012' appears again ...``.
    """

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        column_label: str = "column",
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.problem = problem
        # headcount.toml errors name a setting rather than a column.
        self.column_label = column_label
        super().__init__(self._text())

    def _text(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"{self.column_label} {self.column}")
        return f"{', '.join(where)}: {self.problem}"

    def __str__(self) -> str:
        return self._text()

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the exception picklable (pytest-xdist, multiprocessing) despite keyword args.
        return (_rebuild, (self.file, self.problem, self.row, self.column, self.column_label))


def _rebuild(
    file: str, problem: str, row: int | None, column: str | None, column_label: str
) -> DatasetError:
    return DatasetError(file, problem, row=row, column=column, column_label=column_label)
