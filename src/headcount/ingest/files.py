"""Finding each table's file in the dataset folder and reading its header.

Only the header (or the Parquet schema) is parsed here; rows are left to DuckDB. Everything
that can be judged from the folder listing, the first bytes, the header and one quick pass
for NUL bytes is checked before any table is loaded, so most bad datasets fail in
milliseconds, and a hostile one (a symlink out of the folder, a 100,000-column header) fails
before it costs anything (limits.py).
"""

from __future__ import annotations

import csv
import io
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from headcount.contract.tables import TABLES, Table
from headcount.ingest.errors import DatasetError
from headcount.ingest.limits import DEFAULT_LIMITS, Limits
from headcount.ingest.mapping import CONFIG_FILE, Mapping

Format = Literal["csv", "parquet", "dmf"]
DMF_SUFFIX = ".dmf"
_SNIFF_BYTES = 64 * 1024
_HEADER_BYTES = 1024 * 1024  # a header longer than this is not a header
_SCAN_BYTES = 1024 * 1024  # the NUL scan's read size
# Every name locate() reads (compared case-insensitively).
_INPUT_NAMES = frozenset(
    [f"{t.name}.{ext}" for t in TABLES for ext in ("csv", "parquet")] + [f"deaths{DMF_SUFFIX}"]
)


@dataclass(frozen=True)
class InputSource:
    """One input file and how its columns line up with the contract."""

    table: Table
    path: Path
    fmt: Format
    header: tuple[str, ...] = ()  # names as written in the file (empty for the DMF)
    columns: dict[str, int] = field(default_factory=dict)  # contract column -> header position
    types: tuple[str, ...] = ()  # Parquet only: a coarse type per header position
    raw_names: tuple[str, ...] = ()  # Parquet only: column names exactly as stored
    limits: Limits = DEFAULT_LIMITS

    @property
    def name(self) -> str:
        return self.path.name


def locate(folder: Path) -> dict[str, list[tuple[Path, Format]]]:
    """Map each table present to its file(s); raise for a missing required file or a clash."""
    if not folder.is_dir():
        raise DatasetError(str(folder), "is not a folder (the dataset must be a folder of files)")
    by_name: dict[str, list[Path]] = {}
    for p in folder.iterdir():
        if p.name.casefold() in _INPUT_NAMES:
            check_regular_file(p)
            by_name.setdefault(p.name.casefold(), []).append(p)
    for paths in by_name.values():
        if len(paths) > 1:
            names = sorted(p.name for p in paths)
            raise DatasetError(
                names[0], f"{' and '.join(names)} differ only in letter case; keep only one"
            )
    found: dict[str, list[tuple[Path, Format]]] = {}
    for table in TABLES:
        csv_p = by_name.get(f"{table.name}.csv", [None])[0]
        pq_p = by_name.get(f"{table.name}.parquet", [None])[0]
        if csv_p is not None and pq_p is not None:
            raise DatasetError(
                csv_p.name,
                f"both {csv_p.name} and {pq_p.name} are present; keep only one of them "
                f"so it is clear which {table.name} file is meant",
            )
        files: list[tuple[Path, Format]] = []
        if csv_p is not None:
            files.append((csv_p, "csv"))
        elif pq_p is not None:
            files.append((pq_p, "parquet"))
        if table.name == "deaths":
            dmf_p = by_name.get(f"deaths{DMF_SUFFIX}", [None])[0]
            if dmf_p is not None:
                files.append((dmf_p, "dmf"))
        if files:
            found[table.name] = files
        elif table.required:
            raise DatasetError(
                f"{table.name}.csv",
                f"the required {table.name} file is missing: put {table.name}.csv or "
                f"{table.name}.parquet in the dataset folder {folder}",
            )
    return found


def check_regular_file(path: Path) -> None:
    """Only regular files inside the folder are read. A symbolic link could point anywhere
    (roster.csv -> /etc/passwd), and a message must never quote what it points to."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise DatasetError(
            path.name,
            "is a symbolic link; headcount reads only regular files inside the dataset "
            "folder: copy the file in instead",
        )
    if not stat.S_ISREG(info.st_mode):
        raise DatasetError(
            path.name,
            "is not a regular file (a folder, pipe or device); put the file itself in the "
            "dataset folder",
        )


def sniff_text(path: Path) -> None:
    """Reject files that are plainly not UTF-8 CSV text, with a message saying what they are."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    name = path.name
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if not body.strip():
        raise DatasetError(name, "is empty; a CSV file needs at least a header row")
    if head.startswith(b"PAR1"):
        stem = path.name.rsplit(".", 1)[0]
        raise DatasetError(name, f"is a Parquet file, not CSV; name it {stem}.parquet")
    if head.startswith(b"PK\x03\x04"):
        raise DatasetError(
            name, "is a spreadsheet or zip archive, not CSV; export it as CSV (UTF-8)"
        )
    if head.startswith(b"\x1f\x8b"):
        raise DatasetError(name, "is compressed (gzip), not CSV; uncompress it first")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DatasetError(name, "is UTF-16 text, not UTF-8; save it as UTF-8")
    controls = sum(1 for b in body if b < 32 and b not in (9, 10, 13))
    if controls > len(body) // 20:
        raise DatasetError(name, "is not a CSV text file (it contains binary data)")


def check_no_nul(path: Path, start: int = 0) -> None:
    """No NUL byte in a text file from byte `start` on: one pass in fixed-size reads
    (memory stays bounded whatever the file's size). DuckDB would keep a NUL inside a
    value, so a damaged file would otherwise be read as if it were whole."""
    buf = bytearray(_SCAN_BYTES)
    offset = start
    with path.open("rb", buffering=0) as fh:
        fh.seek(start)
        while n := fh.readinto(buf):
            at = buf.find(b"\x00", 0, n)
            if at >= 0:
                raise _nul_error(path, offset + at)
            offset += n


def _nul_error(path: Path, offset: int) -> DatasetError:
    return DatasetError(
        path.name,
        f"is not a CSV text file: line {_line_at(path, offset):,} contains a NUL byte "
        f"(byte {offset + 1:,} of the file), which text never does; the file is damaged "
        "or binary",
    )


def _line_at(path: Path, offset: int) -> int:
    """The 1-based physical line holding byte `offset`."""
    lines, left = 1, offset
    with path.open("rb") as fh:
        while left > 0 and (chunk := fh.read(min(_SCAN_BYTES, left))):
            lines += chunk.count(b"\n")
            left -= len(chunk)
    return lines


def read_csv_header(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[str, ...]:
    """The first record of a CSV file (RFC 4180, so a quoted header may span lines)."""
    sniff_text(path)
    with path.open("rb") as fh:
        head = fh.read(_HEADER_BYTES)
    if (at := head.find(b"\x00")) >= 0:
        raise _nul_error(path, at)  # before the header is parsed, let alone quoted
    if len(head) == _HEADER_BYTES and b"\n" not in head:
        raise DatasetError(path.name, "has no line break in its first megabyte; is it CSV?")
    # surrogateescape: a bad byte further down is DuckDB's to report, with its row.
    text = head.decode("utf-8-sig", errors="surrogateescape")
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True))
    except (csv.Error, StopIteration) as exc:
        raise DatasetError(path.name, f"the header (first line) is not valid CSV ({exc})") from None
    if any("\udc80" <= ch <= "\udcff" for name in header for ch in name):
        raise DatasetError(
            path.name, "the header (first line) is not UTF-8 text; save the file as UTF-8"
        )
    check_width(path.name, len(header), limits)
    return tuple(h.strip() for h in header)


def check_width(name: str, columns: int, limits: Limits) -> None:
    if columns > limits.max_columns:
        raise DatasetError(
            name,
            f"the header has {columns:,} columns, more than the limit of "
            f"{limits.max_columns:,} (column {limits.max_columns + 1:,} onward); no payroll "
            "or HR export is this wide. If this file really is, raise max_columns under "
            f"[limits] in {CONFIG_FILE}",
        )


def read_parquet_header(
    path: Path, limits: Limits = DEFAULT_LIMITS
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Column names (exactly as stored) and coarse types from the Parquet footer; a corrupt
    file is fatal, and so is a footer or schema over the limits."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    _check_footer(path, limits)
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise DatasetError(
            path.name, f"is not a readable Parquet file ({_first_line(str(exc))})"
        ) from None
    check_width(path.name, len(schema.names), limits)
    types: list[str] = []
    for f in schema:
        t = f.type
        if pa.types.is_integer(t):
            types.append("int")
        elif pa.types.is_floating(t):
            types.append("float")
        elif pa.types.is_timestamp(t) or pa.types.is_date64(t):
            types.append("timestamp")
        elif pa.types.is_date(t):
            types.append("date")
        else:
            types.append("text")
    return tuple(str(n) for n in schema.names), tuple(types)


def _check_footer(path: Path, limits: Limits) -> None:
    """The footer's length is in the file's last 8 bytes: refuse a huge one before it is
    parsed (100,000 columns make a 16 MB footer that takes seconds and 400 MB to read)."""
    size = path.stat().st_size
    if size < 12:
        return  # not Parquet at all: pyarrow says so
    with path.open("rb") as fh:
        fh.seek(size - 8)
        tail = fh.read(8)
    footer = int.from_bytes(tail[:4], "little")
    # A length past the file's start is corruption, which pyarrow reports.
    if tail[4:] == b"PAR1" and limits.max_footer_bytes < footer <= size - 12:
        raise DatasetError(
            path.name,
            f"its metadata (the Parquet footer) is {footer:,} bytes, more than the limit of "
            f"{limits.max_footer_bytes:,} for {limits.max_columns:,} columns; no payroll or "
            "HR export has this many columns or row groups. If this file really does, raise "
            f"max_columns under [limits] in {CONFIG_FILE}",
        )


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else "unknown error"


def resolve_columns(
    table: Table, file_name: str, header: tuple[str, ...], mapping: Mapping
) -> dict[str, int]:
    """Line the header up with the contract: case-insensitive, after headcount.toml renames."""
    table_map = mapping.get(table.name, {})
    folded = [h.casefold() for h in header]
    rename: dict[str, str] = {}
    for contract_name, agency_name in table_map.items():
        if agency_name.casefold() not in folded:
            raise DatasetError(
                CONFIG_FILE,
                f"maps {contract_name} to '{agency_name}', but {file_name} has no column "
                f"of that name; its columns are {_list(header)}",
                column=f"{table.name}.columns.{contract_name}",
                column_label="setting",
            )
        rename[agency_name.casefold()] = contract_name
    effective = [rename.get(f, f) for f in folded]
    first_at: dict[str, int] = {}
    for i, name in enumerate(effective):
        if not name:
            continue  # unnamed columns (e.g. a trailing comma) are extras, ignored
        if name in first_at:
            j = first_at[name]
            via = " once headcount.toml is applied" if name in table_map else ""
            raise DatasetError(
                file_name,
                f"the header has two columns named {name}{via} (column {j + 1} "
                f"'{header[j]}' and column {i + 1} '{header[i]}'); keep only one",
                column=name,
            )
        first_at[name] = i
    positions: dict[str, int] = {}
    for col in table.columns:
        if col.name in first_at:
            positions[col.name] = first_at[col.name]
        elif col.required:
            raise DatasetError(file_name, _missing_text(col.name, header), column=col.name)
    return positions


def _missing_text(column: str, header: tuple[str, ...]) -> str:
    text = f"the required column {column} is missing; the header has {_list(header)}"
    if len(header) == 1 and any(d in header[0] for d in ";\t|"):
        text += " (the file seems not to be comma-separated)"
    else:
        text += f" (if the agency calls it something else, map it in {CONFIG_FILE})"
    return text


def _list(names: tuple[str, ...]) -> str:
    shown = ", ".join(n[:40] for n in names[:30])
    return shown + (f" and {len(names) - 30} more" if len(names) > 30 else "")


def open_source(
    table: Table, path: Path, fmt: Format, mapping: Mapping, limits: Limits = DEFAULT_LIMITS
) -> InputSource:
    """Read one file's header (or schema), resolve its columns, and check that a text file
    has no NUL byte anywhere."""
    if fmt == "dmf":
        sniff_text(path)
        check_no_nul(path)
        return InputSource(table, path, fmt, limits=limits)
    if fmt == "csv":
        header = read_csv_header(path, limits)
        types: tuple[str, ...] = ()
        raw_names: tuple[str, ...] = ()
    else:
        raw_names, types = read_parquet_header(path, limits)
        header = tuple(n.strip() for n in raw_names)
    columns = resolve_columns(table, path.name, header, mapping)
    if fmt == "csv":
        check_no_nul(path)
    return InputSource(table, path, fmt, header, columns, types, raw_names, limits)
