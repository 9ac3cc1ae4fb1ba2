"""Read a roster file (or a dataset folder's roster) for a campaign, with ingest's checks.

Only the columns a check-in needs leave this module: employee_id, names, work email,
agency, organisation, the preferred language, and whether the employee is still in service
on the given day.

`preferred_language` is an optional column of our own beside the contract's roster (the
contract has no language; its names are unchanged): a language tag such as `es` or `en-US`,
mapped like any column in headcount.toml. Without it, or where a cell is empty, each person
is written to in English until they choose another language on the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb

from headcount.contract.tables import EXTENSION_COLUMNS, ROSTER, Column
from headcount.i18n import normalise
from headcount.ingest import DatasetError
from headcount.ingest.files import open_source
from headcount.ingest.mapping import load_mapping
from headcount.ingest.typed import DQ_DDL

BATCH = 10_000
(LANGUAGE_COLUMN,) = EXTENSION_COLUMNS["roster"]
# The contract's roster plus the optional language column, read with all of ingest's checks.
CHECKIN_ROSTER = replace(ROSTER, columns=(*ROSTER.columns, Column(LANGUAGE_COLUMN, required=False)))


@dataclass(frozen=True)
class RosterRow:
    employee_id: str
    first_name: str
    last_name: str
    work_email: str | None
    agency: str
    org_code: str
    language: str | None = None  # normalised (headcount.i18n.normalise); None if not given


def _locate(path: Path) -> tuple[Path, str]:
    if path.is_dir():
        for name, fmt in (("roster.csv", "csv"), ("roster.parquet", "parquet")):
            if (path / name).is_file():
                return path / name, fmt
        raise DatasetError(str(path), "has no roster.csv or roster.parquet")
    if not path.is_file():
        raise DatasetError(str(path), "no such file")
    fmt = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    return path, fmt


def read_roster(path: Path, *, active_on: date) -> Iterator[RosterRow]:
    """Yield the employees in service on `active_on` (no separation date, or one on or after
    it): people who have left are not asked. Raises DatasetError for an unreadable roster."""
    from headcount.ingest.dataset import _load_table  # one table, with all of ingest's checks

    file, fmt = _locate(path)
    source = open_source(CHECKIN_ROSTER, file, fmt, load_mapping(file.parent))  # type: ignore[arg-type]
    con = duckdb.connect()
    try:
        con.execute(DQ_DDL)
        _load_table(con, CHECKIN_ROSTER, [source])
        missing = con.execute(
            "SELECT _row FROM roster WHERE agency IS NULL ORDER BY _row LIMIT 1"
        ).fetchone()
        if missing:
            raise DatasetError(
                file.name,
                "agency is empty; every employee needs an agency for its policy",
                row=int(missing[0]),
                column="agency",
            )
        cursor = con.execute(
            "SELECT employee_id, coalesce(first_name, ''), coalesce(last_name, ''), "
            "lower(work_email), agency, coalesce(org_code, ''), preferred_language FROM roster "
            "WHERE separation_date IS NULL OR separation_date >= ? ORDER BY _row",
            [active_on],
        )
        while batch := cursor.fetchmany(BATCH):
            for employee_id, first, last, email, agency, org_code, language in batch:
                tag = normalise(language)
                if tag is not None and len(tag) > 16:
                    tag = tag.split("-")[0]  # the stored column holds 16 characters
                yield RosterRow(employee_id, first, last, email, agency, org_code, tag)
    finally:
        con.close()
