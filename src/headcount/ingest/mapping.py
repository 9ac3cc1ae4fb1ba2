"""headcount.toml: an agency's own column names mapped onto the contract's.

    [roster.columns]
    employee_id = "EMPLID"     # contract name = the agency's header

Everything in the file is checked here, before any data is read, so a typo in a setting
stops the run with the setting named instead of surfacing later as a "missing column".
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from headcount.contract.tables import TABLES_BY_NAME
from headcount.ingest.errors import DatasetError

CONFIG_FILE = "headcount.toml"

# table -> {contract column -> the agency's header name}
Mapping = dict[str, dict[str, str]]


def _error(problem: str, key: str | None = None, row: int | None = None) -> DatasetError:
    return DatasetError(CONFIG_FILE, problem, row=row, column=key, column_label="setting")


def load_mapping(folder: Path) -> Mapping:
    """Read and validate headcount.toml; an absent file means no mapping."""
    path = folder / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _error("is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib reports "(at line N, column M)"; surface the line as the row.
        m = re.search(r"at line (\d+)", str(exc))
        raise _error(f"is not valid TOML: {exc}", row=int(m.group(1)) if m else None) from None
    return _validate(data)


def _validate(data: dict[str, object]) -> Mapping:
    known = ", ".join(TABLES_BY_NAME)
    out: Mapping = {}
    for table_name, section in data.items():
        if table_name not in TABLES_BY_NAME:
            raise _error(
                f"'{table_name}' is not a table of the data contract ({known})", table_name
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
    result: dict[str, str] = {}
    taken: dict[str, str] = {}  # folded agency name -> contract column already mapped to it
    for contract_name, agency_name in columns.items():
        key = f"{table_name}.columns.{contract_name}"
        if contract_name.lower() not in table.column_names:
            raise _error(
                f"'{contract_name}' is not a {table_name} column; "
                f"the {table_name} columns are {', '.join(table.column_names)}",
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
