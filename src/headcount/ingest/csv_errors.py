"""What went wrong when DuckDB could not read a CSV file, found without reading it whole.

DuckDB stops at the first unreadable record and says which line it is on, what is wrong,
and quotes the record. The quote is never shown (it may hold personal data); it is parsed
here to name the column, and the file is read again only as far as that record, in fixed
size pieces, to tell a change of line endings from a broken quote and to find the column
of a byte that is not UTF-8. All of this runs only once a file has failed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1024 * 1024
_LINE = re.compile(r"CSV Error on Line: (\d+)")
_ORIGINAL = "Original Line: "
# The last line of DuckDB's message that matches one of these says what is wrong: the
# quoted record comes before it, so a value can never pose as the message.
_KINDS = (
    ("columns", re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")),
    ("line size", re.compile(r"Maximum line size of (\d+) bytes exceeded")),
    ("quote", re.compile(r"Value with unterminated quote found")),
    ("encoding", re.compile(r"Invalid unicode")),
)


@dataclass(frozen=True)
class CsvFailure:
    """line: DuckDB's line number (the header is 1, blank lines count; None when DuckDB
    gives none); kind: columns, line size, quote, encoding, state (its parser's "invalid
    state") or other; numbers: the expected and found field counts for `columns`;
    record: the record's text as DuckDB quoted it (perhaps cut short), never shown."""

    line: int | None
    kind: str
    numbers: tuple[int, ...] = ()
    record: str | None = None


def parse_failure(message: str) -> CsvFailure:
    head = message.split("\n", 1)[0]
    if "invalid state" in head:
        return CsvFailure(None, "state")
    m = _LINE.search(head)
    line = int(m.group(1)) if m else None
    lines = message.split("\n")
    for at in range(len(lines) - 1, 0, -1):
        for kind, pattern in _KINDS:
            found = pattern.match(lines[at])
            if found:
                numbers = tuple(int(g) for g in found.groups())
                return CsvFailure(line, kind, numbers, _record(lines[1:at]))
    return CsvFailure(line, "other")


def _record(lines: list[str]) -> str | None:
    if not lines or not lines[0].startswith(_ORIGINAL):
        return None
    return "\n".join([lines[0][len(_ORIGINAL) :], *lines[1:]])


def bad_quote_field(record: str) -> int | None:
    """The 0-based field of one record's text where RFC 4180 quoting breaks: a quoted
    value never closed, or followed by something other than a comma or the line's end."""
    field, i, n = 0, 0, len(record)
    while i < n:
        if record[i] == '"':
            j = i + 1
            while (j := record.find('"', j)) >= 0 and record.startswith('""', j):
                j += 2
            if j < 0:
                return field
            i = j + 1
            if i < n and record[i] not in ",\r\n":
                return field
        else:
            comma = record.find(",", i)
            i = n if comma < 0 else comma
        if i >= n or record[i] != ",":
            return None
        field, i = field + 1, i + 1
    return None


def bad_utf8_field(path: Path, record: int) -> int | None:
    """The 0-based field of record `record` (counted as DuckDB counts lines: the header is
    record 0 and a blank line is a record) that holds bytes which are not UTF-8; None when
    that record has none or the file cannot be followed that far."""
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as fh:
        try:
            for n, fields in enumerate(csv.reader(fh)):
                if n == record:
                    return next((i for i, f in enumerate(fields) if not _utf8(f)), None)
        except csv.Error:
            return None
    return None


def _utf8(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")  # surrogates stand for the bytes that did not decode
    except UnicodeEncodeError:
        return False
    return True


def line_ending_change(path: Path, last: int | None = None) -> tuple[bool, int] | None:
    """Whether the header ends with CRLF, and the first physical line (1-based) that ends
    the other way; None when all lines end alike, looking no further than line `last`.

    Whole pieces are judged by counting (fast); only the piece with a change is walked
    line by line."""
    header_crlf: bool | None = None
    done = 0  # line breaks in the pieces before this one
    prev = b""  # the last byte of the previous piece
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            breaks = chunk.count(b"\n")
            if header_crlf is None and breaks:
                at = chunk.find(b"\n")
                header_crlf = (chunk[at - 1 : at] if at else prev) == b"\r"
            crlfs = chunk.count(b"\r\n") + (prev == b"\r" and chunk[:1] == b"\n")
            if header_crlf is not None and (crlfs < breaks if header_crlf else crlfs > 0):
                at, line = -1, done
                while (at := chunk.find(b"\n", at + 1)) >= 0:
                    line += 1
                    if last is not None and line > last:
                        return None
                    if ((chunk[at - 1 : at] if at else prev) == b"\r") != header_crlf:
                        return header_crlf, line
            done += breaks
            if last is not None and done >= last:
                return None
            prev = chunk[-1:]
    return None
