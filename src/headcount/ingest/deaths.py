"""The deaths table: deaths.csv / deaths.parquet and the SSA Death Master File (deaths.dmf).

Both are brought to one text shape (layer 1 of typed.py) with dates as YYYY-MM-DD text in
which a month or day may be 00 (unknown), then typed the same way. A partial date of death
counts as the LAST day it could be, so that no payment is called improper on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from headcount.contract.tables import DEATHS, Kind
from headcount.ingest.cells import DATE_RE, cell_sql, full_match, say, sql_str, trimmed
from headcount.ingest.typed import Check, OutColumn, cell_check, q, vname

# SSA Death Master File layout: field -> (first character, width), 1-based.
DMF_FIELDS: dict[str, tuple[int, int]] = {
    "ssn": (2, 9),
    "last_name": (11, 20),
    "first_name": (35, 15),
    "middle_name": (50, 15),
    "dod_text": (66, 8),
    "dob_text": (74, 8),
}
DMF_LENGTH = 100
DMF_MIN_LENGTH = 81  # through the date of birth; the rest of a record is filler
SKIP = "_skip"
# data_quality "column" for a problem with a whole DMF line rather than one field.
WHOLE_LINE = (
    "(whole line)"  # layer-1 flag: a line that is not a death record (blank, or a deletion)
)

# Typed deaths columns beyond the contract's, in table order after the contract ones.
EXTRA_COLUMNS = ("date_of_birth_lo", "date_of_birth_hi", "date_of_death_partial", "source")


@dataclass(frozen=True)
class PartialDateSql:
    lo: str  # first day the date could be
    hi: str  # last day the date could be
    exact: str  # the date when complete, else NULL
    partial: str  # TRUE when the month or day was 00
    problem: str  # problem text or NULL


def partial_date(d: str, shown: str, column: str, form: str) -> PartialDateSql:
    """SQL for a YYYY-MM-DD text `d` whose month or day may be 00 (unknown).

    `shown` is the text as it stood in the file (echoed unless the column is secret) and
    `form` the layout named in messages. '0000-00-00' and empty are missing, not bad. A
    month of 00 makes the day meaningless: the whole year is possible.
    """
    ok = full_match(d, DATE_RE)
    y = f"TRY_CAST(substr({d}, 1, 4) AS INTEGER)"
    m = f"TRY_CAST(substr({d}, 6, 2) AS INTEGER)"
    dd = f"TRY_CAST(substr({d}, 9, 2) AS INTEGER)"
    known = f"coalesce({ok} AND {y} > 0, false)"
    lo = (
        f"CASE WHEN NOT {known} THEN NULL WHEN {m} = 0 THEN make_date({y}, 1, 1) "
        f"WHEN {m} > 12 THEN NULL WHEN {dd} = 0 THEN make_date({y}, {m}, 1) "
        f"ELSE try(make_date({y}, {m}, {dd})) END"
    )
    hi = (
        f"CASE WHEN NOT {known} THEN NULL WHEN {m} = 0 THEN make_date({y}, 12, 31) "
        f"WHEN {m} > 12 THEN NULL WHEN {dd} = 0 THEN last_day(make_date({y}, {m}, 1)) "
        f"ELSE try(make_date({y}, {m}, {dd})) END"
    )
    exact = f"CASE WHEN {known} AND {m} > 0 AND {dd} > 0 THEN {hi} END"
    partial = f"CASE WHEN {known} AND {m} <= 12 THEN {m} = 0 OR {dd} = 0 ELSE false END"
    bad_form = f"is not a date in the form {form} (00 for an unknown month or day)"
    problem = (
        f"CASE WHEN {d} IS NULL OR {d} = '0000-00-00' THEN NULL "
        f"WHEN NOT {ok} THEN {say(shown, column, bad_form)} "
        f"WHEN {y} = 0 THEN {say(shown, column, 'has no year (0000); a date needs at least a year')} "
        f"WHEN ({hi}) IS NULL THEN {say(shown, column, 'is not a real calendar date')} END"
    )
    return PartialDateSql(
        f"CAST({lo} AS DATE)",
        f"CAST({hi} AS DATE)",
        f"CAST({exact} AS DATE)",
        f"CAST({partial} AS BOOLEAN)",
        problem,
    )


def csv_layer(scan: str, present: set[str]) -> str:
    """Layer 1 for deaths.csv / deaths.parquet."""

    def t(c: str) -> str:
        return trimmed(q(c)) if c in present else "CAST(NULL AS VARCHAR)"

    return (
        f"SELECT *, dod AS dod_text, dob AS dob_text FROM (SELECT {t('ssn')} AS ssn, "
        f"{t('last_name')} AS last_name, {t('first_name')} AS first_name, "
        f"{t('middle_name')} AS middle_name, {t('date_of_death')} AS dod, "
        f"{t('date_of_birth')} AS dob, CAST(NULL AS INTEGER) AS line_len, false AS {SKIP} "
        f"FROM ({scan}))"
    )


def dmf_layer(scan: str) -> str:
    """Layer 1 for the Death Master File (a scan yielding one text column `line`).

    Every line stays a row (so rowid + 1 is the line number); blank lines and type 'D'
    records, which in SSA update files delete a listing made in error (reading one as a
    death would flag a living person), are marked to be skipped. A name cut short by a
    truncated line keeps what is there; a date must be whole or it is missing.
    """
    fields = ", ".join(
        f"CASE WHEN length(l) >= {pos + width - 1} THEN {trimmed(f'substr(l, {pos}, {width})')} "
        f"END AS {name}"
        if name.endswith("_text")
        else f"{trimmed(f'substr(l, {pos}, {width})')} AS {name}"
        for name, (pos, width) in DMF_FIELDS.items()
    )

    lines = f"SELECT rtrim(line, chr(13)) AS l FROM ({scan})"
    parsed = (
        f"SELECT {fields}, CAST(length(l) AS INTEGER) AS line_len, "
        f"coalesce(trim(l) = '' OR upper(left(l, 1)) = 'D', true) AS {SKIP} FROM ({lines})"
    )
    return (
        f"SELECT ssn, last_name, first_name, middle_name, {_iso('dod_text')} AS dod, "
        f"{_iso('dob_text')} AS dob, dod_text, dob_text, line_len, {SKIP} FROM ({parsed})"
    )


def _iso(c: str) -> str:
    """MMDDCCYY -> CCYY-MM-DD; anything else is left as it is, for the check to report."""
    return (
        f"CASE WHEN {full_match(c, '[0-9]{8}')} THEN substr({c}, 5, 4) || '-' || "
        f"substr({c}, 1, 2) || '-' || substr({c}, 3, 2) ELSE {c} END"
    )


def _date_check(layer1: str, output: str, column: str, dmf: bool) -> Check:
    form = "MMDDCCYY" if dmf else "YYYY-MM-DD"

    def problem(r: str) -> str:
        return partial_date(_iso(r) if dmf else r, r, column, form).problem

    return Check(
        key=f"partial_date:{form}:{column}",
        suspect=f"{layer1} IS NOT NULL AND {vname(output)} IS NULL",
        text=f"{layer1}_text",
        problem=problem,
        column=column,
    )


def deaths_columns(file_name: str, dmf: bool) -> list[OutColumn]:
    """Output columns of one deaths file, typed; problem texts name its date layout."""
    dod = partial_date("dod", "dod_text", "date_of_death", "")
    dob = partial_date("dob", "dob_text", "date_of_birth", "")
    cols: list[OutColumn] = []
    if dmf:
        short = Check(
            key="dmf_short",
            suspect=f"line_len < {DMF_MIN_LENGTH}",
            text="line_len",
            problem=lambda r: (
                f"'is only ' || {r} || ' characters long; a Death Master File record has "
                f"{DMF_LENGTH} (fields past the end of the line count as missing)'"
            ),
            column=WHOLE_LINE,
        )
        cols.append(OutColumn("_short", "NULL", short, output=False))
    ssn = cell_sql(Kind.SSN, "ssn", "ssn")
    cols += [
        OutColumn("ssn", ssn.value, cell_check(Kind.SSN, "ssn")),
        OutColumn("last_name", "last_name"),
        OutColumn("first_name", "first_name"),
        OutColumn("middle_name", "middle_name"),
        OutColumn(
            "date_of_death", dod.hi, _date_check("dod", "date_of_death", "date_of_death", dmf)
        ),
        OutColumn("date_of_birth", dob.exact),
        OutColumn("date_of_birth_lo", dob.lo),
        OutColumn(
            "date_of_birth_hi", dob.hi, _date_check("dob", "date_of_birth_hi", "date_of_birth", dmf)
        ),
        OutColumn("date_of_death_partial", dod.partial),
        OutColumn("source", f"CAST({sql_str(file_name)} AS VARCHAR)"),
    ]
    return cols


DEATHS_COLUMNS = (*DEATHS.column_names, *EXTRA_COLUMNS)
