"""The deaths table: deaths.csv / deaths.parquet and the SSA Death Master File (deaths.dmf).

Both are brought to one text shape (layer 1 of typed.py) with dates as YYYY-MM-DD text in
which a month or day may be 00 (unknown), then typed the same way. A partial date of death
counts as the LAST day it could be, so that no payment is called improper on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from headcount.contract.tables import DEATHS, Kind
from headcount.ingest.cells import (
    DATE_RE,
    cell_sql,
    full_match,
    iso_date,
    let,
    say,
    sql_str,
    trimmed,
)
from headcount.ingest.typed import Check, OutColumn, cell_check, q, vname

# SSA Death Master File layout: field -> (first character, width), 1-based.
DMF_FIELDS: dict[str, tuple[int, int]] = {
    "ssn": (2, 9),
    "last_name": (11, 20),
    "first_name": (35, 15),
    "middle_name": (50, 15),
    "proof_code": (65, 1),
    "dod_text": (66, 8),
    "dob_text": (74, 8),
}
DMF_LENGTH = 100
DMF_MIN_LENGTH = 81  # through the date of birth; the rest of a record is filler
SKIP = "_skip"  # layer-1 flag: a line that is not a death record (blank, or a deletion)
# data_quality "column" for a problem with a whole DMF line rather than one field.
WHOLE_LINE = "(whole line)"

# Typed deaths columns beyond the contract's, in table order after the contract ones.
EXTRA_COLUMNS = ("date_of_birth_lo", "date_of_birth_hi", "date_of_death_partial", "proof_code")


@dataclass(frozen=True)
class PartialDateSql:
    lo: str  # first day the date could be
    hi: str  # last day the date could be
    exact: str  # the date when complete, else NULL
    partial: str  # TRUE when the month or day was 00
    problem: str  # problem text or NULL


def partial_date(
    d: str, shown: str, column: str, form: str, exact: str | None = None
) -> PartialDateSql:
    """SQL for a YYYY-MM-DD text `d` whose month or day may be 00 (unknown).

    `shown` is the text as it stood in the file (echoed unless the column is secret),
    `form` the layout named in messages and `exact` (when already computed) the complete
    date, iso_date(d). '0000-00-00' and empty are missing, not bad. A month of 00 makes
    the day meaningless: the whole year is possible. Complete dates, the usual case, take
    the quick way; only the others are taken apart into year, month and day.
    """
    exact = exact or iso_date(d)
    parts = (
        f"CASE WHEN {full_match(d, DATE_RE)} THEN {{'y': TRY_CAST(substr({d}, 1, 4) AS INTEGER), "
        f"'m': TRY_CAST(substr({d}, 6, 2) AS INTEGER), "
        f"'d': TRY_CAST(substr({d}, 9, 2) AS INTEGER)}} END"
    )

    def split(body: str) -> str:
        return let(parts, "_d", body)

    unknown = "_d.y IS NULL OR _d.y = 0 OR _d.m > 12"
    lo = split(
        f"CASE WHEN {unknown} THEN NULL WHEN _d.m = 0 THEN make_date(_d.y, 1, 1) "
        "WHEN _d.d = 0 THEN make_date(_d.y, _d.m, 1) ELSE try(make_date(_d.y, _d.m, _d.d)) END"
    )
    hi = split(
        f"CASE WHEN {unknown} THEN NULL WHEN _d.m = 0 THEN make_date(_d.y, 12, 31) "
        "WHEN _d.d = 0 THEN last_day(make_date(_d.y, _d.m, 1)) "
        "ELSE try(make_date(_d.y, _d.m, _d.d)) END"
    )
    partial = split(f"CASE WHEN {unknown} THEN false ELSE _d.m = 0 OR _d.d = 0 END")
    bad_form = f"is not a date in the form {form} (00 for an unknown month or day)"
    problem = (
        f"CASE WHEN {d} IS NULL OR {d} = '0000-00-00' OR {exact} IS NOT NULL THEN NULL "
        f"WHEN NOT {full_match(d, DATE_RE)} THEN {say(shown, column, bad_form)} "
        f"WHEN {d} < '0001' THEN {say(shown, column, 'has no year (0000); a date needs at least a year')} "
        f"WHEN {hi} IS NULL THEN {say(shown, column, 'is not a real calendar date')} END"
    )
    return PartialDateSql(
        lo=f"CAST(coalesce({exact}, {lo}) AS DATE)",
        hi=f"CAST(coalesce({exact}, {hi}) AS DATE)",
        exact=f"CAST({exact} AS DATE)",
        partial=f"CASE WHEN {exact} IS NOT NULL OR {d} IS NULL THEN false ELSE {partial} END",
        problem=problem,
    )


def csv_layer(scan: str, present: set[str]) -> str:
    """Layer 1 for deaths.csv / deaths.parquet."""

    def t(c: str) -> str:
        return trimmed(q(c)) if c in present else "CAST(NULL AS VARCHAR)"

    return _with_exact(
        f"SELECT *, dod AS dod_text, dob AS dob_text FROM (SELECT {t('ssn')} AS ssn, "
        f"{t('last_name')} AS last_name, {t('first_name')} AS first_name, "
        f"{t('middle_name')} AS middle_name, {t('date_of_death')} AS dod, "
        f"{t('date_of_birth')} AS dob, {t('source')} AS source_cell, "
        f"CAST(NULL AS VARCHAR) AS proof_code, CAST(NULL AS INTEGER) AS line_len, false AS {SKIP} "
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
    return _with_exact(
        f"SELECT ssn, last_name, first_name, middle_name, {_iso('dod_text')} AS dod, "
        f"{_iso('dob_text')} AS dob, dod_text, dob_text, CAST(NULL AS VARCHAR) AS source_cell, "
        f"upper(proof_code) AS proof_code, line_len, {SKIP} FROM ({parsed})"
    )


def _with_exact(layer1: str) -> str:
    """Add the complete dates, computed once for the several columns that use them."""
    return (
        f"SELECT *, {iso_date('dod')} AS dod_exact, {iso_date('dob')} AS dob_exact FROM ({layer1})"
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
    dod = partial_date("dod", "dod_text", "date_of_death", "", exact="dod_exact")
    dob = partial_date("dob", "dob_text", "date_of_birth", "", exact="dob_exact")
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
        # A record's own source when the file names one, else the file it came from.
        OutColumn("source", f"coalesce(source_cell, CAST({sql_str(file_name)} AS VARCHAR))"),
        OutColumn("date_of_birth_lo", dob.lo),
        OutColumn(
            "date_of_birth_hi", dob.hi, _date_check("dob", "date_of_birth_hi", "date_of_birth", dmf)
        ),
        OutColumn("date_of_death_partial", dod.partial),
        OutColumn("proof_code", "proof_code"),
    ]
    return cols


DEATHS_COLUMNS = (*DEATHS.column_names, *EXTRA_COLUMNS)
