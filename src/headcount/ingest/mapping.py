"""headcount.toml: an agency's own column names mapped onto the contract's, and the input
limits it raises (limits.py).

    [roster.columns]
    employee_id = "EMPLID"     # contract name = the agency's header

    [limits]
    max_columns = 800

Everything in the file is checked here, before any data is read, so a typo in a setting
stops the run with the setting named instead of surfacing later as a "missing column".
"""

from __future__ import annotations

import dataclasses
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from headcount.contract.tables import EXTENSION_COLUMNS, TABLES_BY_NAME
from headcount.ingest.errors import DatasetError
from headcount.ingest.limits import CEILINGS, DEFAULT_LIMITS, Limits

CONFIG_FILE = "headcount.toml"
LIMITS = "limits"
# The largest headcount.toml read: a few settings take a few hundred bytes.
_MAX_CONFIG_BYTES = 1024 * 1024

# table -> {contract column -> the agency's header name}
Mapping = dict[str, dict[str, str]]


def _error(problem: str, key: str | None = None, row: int | None = None) -> DatasetError:
    return DatasetError(CONFIG_FILE, problem, row=row, column=key, column_label="setting")


def load_mapping(folder: Path) -> Mapping:
    """Read and validate headcount.toml's column mappings; an absent file means none."""
    return _validate(_read(folder))


def load_limits(folder: Path) -> Limits:
    """The input limits, as headcount.toml's [limits] raises (or lowers) them."""
    section = _read(folder).get(LIMITS, {})
    if not isinstance(section, dict):
        raise _error("must be a section like [limits], not a single value", LIMITS)
    values: dict[str, int] = {}
    for key, value in section.items():
        name = f"{LIMITS}.{key}"
        if key not in CEILINGS:
            raise _error(f"unknown setting; the limits are {', '.join(CEILINGS)}", name)
        ceiling = CEILINGS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ceiling:
            raise _error(f"must be a whole number from 1 to {ceiling:,}", name)
        values[key] = value
    return dataclasses.replace(DEFAULT_LIMITS, **values)


def _read(folder: Path) -> dict[str, Any]:
    """headcount.toml parsed; {} when there is none. Only a regular file in the folder is
    read: a symlink, a folder or an unreadable file of that name stops the run."""
    path = folder / CONFIG_FILE
    try:
        info = path.lstat()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise _error(f"cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise _error(
            "is a symbolic link; headcount reads only regular files inside the dataset "
            "folder: copy the file in instead"
        )
    if not stat.S_ISREG(info.st_mode):
        raise _error("is not a regular file (a folder or a device); it must be a TOML file")
    if info.st_size > _MAX_CONFIG_BYTES:
        raise _error(f"is {info.st_size:,} bytes, more than the {_MAX_CONFIG_BYTES:,} read")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(f"cannot be read ({exc.strerror})") from None
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _error("is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib reports "(at line N, column M)"; surface the line as the row.
        m = re.search(r"at line (\d+)", str(exc))
        raise _error(f"is not valid TOML: {exc}", row=int(m.group(1)) if m else None) from None


def _validate(data: dict[str, object]) -> Mapping:
    known = ", ".join(TABLES_BY_NAME)
    out: Mapping = {}
    for table_name, section in data.items():
        if table_name == LIMITS:
            continue  # load_limits reads it
        if table_name not in TABLES_BY_NAME:
            raise _error(
                f"'{table_name}' is not a table of the data contract ({known}), nor [{LIMITS}]",
                table_name,
            )
        if not isinstance(section, dict):
            raise _error(
                f"must be a section like [{table_name}.columns], not a single value", table_name
            )
        for sub in section:
            if sub != "columns":
                raise _error(
                    f"unknown setting; the only setting for a table is [{table_name}.columns]",
                    f"{table_name}.{sub}",
                )
        columns = section.get("columns", {})
        if not isinstance(columns, dict):
            raise _error(
                'must be a section of lines like employee_id = "EMPLID"', f"{table_name}.columns"
            )
        out[table_name] = _validate_columns(table_name, columns)
    return out


def _validate_columns(table_name: str, columns: dict[str, object]) -> dict[str, str]:
    table = TABLES_BY_NAME[table_name]
    known = (*table.column_names, *EXTENSION_COLUMNS.get(table_name, ()))
    result: dict[str, str] = {}
    taken: dict[str, str] = {}  # folded agency name -> contract column already mapped to it
    for contract_name, agency_name in columns.items():
        key = f"{table_name}.columns.{contract_name}"
        if contract_name.lower() not in known:
            raise _error(
                f"'{contract_name}' is not a {table_name} column; "
                f"the {table_name} columns are {', '.join(known)}",
                key,
            )
        if not isinstance(agency_name, str) or not agency_name.strip():
            raise _error('must be the agency\'s column name in quotes, e.g. "EMPLID"', key)
        folded = agency_name.strip().casefold()
        if folded in taken:
            raise _error(
                f"maps '{agency_name}' again (already used for {taken[folded]}); "
                "each file column can stand for one contract column only",
                key,
            )
        taken[folded] = contract_name.lower()
        result[contract_name.lower()] = agency_name.strip()
    return result
