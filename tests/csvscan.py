"""What a spreadsheet would run as a formula in a CSV file, judged without headcount's code.

A cell is evaluated when its first character, after any spaces, is one a spreadsheet takes
as the start of a formula (= + - @ | tab, carriage return, or the full-width = + - @) — unless
the whole cell is a plain number such as -12.50, which is read as a number. A cell escaped
the OWASP way starts with `'` and is text.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

FORMULA_START = set("=+-@|\t\r") | set("\uff1d\uff0b\uff0d\uff20")
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _text(source: Path | str) -> str:
    # Bytes as written: read_text() would turn a bare carriage return into a line feed.
    return source.read_bytes().decode("utf-8") if isinstance(source, Path) else source


def evaluated(cell: str) -> bool:
    first = cell.lstrip(" ")[:1]
    return first in FORMULA_START and first != "" and not NUMBER.fullmatch(cell)


def formula_cells(source: Path | str) -> list[tuple[int, int, str]]:
    """(record, column, cell) of every cell a spreadsheet would evaluate; `source` is a
    file or the CSV text itself."""
    text = _text(source)
    return [
        (r, c, cell)
        for r, row in enumerate(csv.reader(io.StringIO(text, newline="")))
        for c, cell in enumerate(row)
        if evaluated(cell)
    ]


def cells(source: Path | str) -> list[list[str]]:
    text = _text(source)
    return list(csv.reader(io.StringIO(text, newline="")))
