"""SQL for parsing one text cell into its typed value, and for saying what is wrong with it.

For each kind of column (contract Kind), cell_sql gives two SQL expressions over the cell's
text `r` exactly as read (not yet trimmed; NULL or '' when empty):

* value:   the typed value, or NULL when the text is empty or not valid for the kind;
* problem: NULL when the cell is empty or valid, else a plain-English sentence.

Both run inside DuckDB over whole columns, never row by row in Python. Values take a quick
path for the usual clean text (no trimming needed, the common layout) and fall back to the
general rules on the trimmed text; problem texts are built only for the rare bad cells. A
problem echoes the bad value only for columns that are not personal data (SECRET_COLUMNS).
"""

from __future__ import annotations

from dataclasses import dataclass

from headcount.contract.tables import (
    ACTIVITY_KINDS,
    CHECKIN_SOURCES,
    PAYMENT_TYPES,
    POLICIES,
    SECRET_COLUMNS,
    Kind,
)

TRIM_CHARS = " \t\r\n"
ECHO_LIMIT = 40

# RE2 patterns, matched against the whole (trimmed) cell.
DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
TIMESTAMP_RE = (
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[Tt ]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?))?"
    r" ?([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
_NUM = r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)"
PLAIN_MONEY_RE = r"[0-9]+(?:\.[0-9]{0,2})?"
# Optional $ and thousands commas; up to two decimals, and trailing zeros beyond them lose
# nothing (12.3400 is 12.34).
MONEY_RE = rf"\$?{_NUM}(?:\.[0-9]{{0,2}}0*)?|\$?\.[0-9]{{1,2}}0*"
_ANY_NUM = rf"(?:\$?{_NUM}(?:\.[0-9]*)?|\$?\.[0-9]+)"
NEGATIVE_RE = rf"-\s*{_ANY_NUM}|\$-{_NUM}(?:\.[0-9]*)?|\(\s*{_ANY_NUM}\s*\)"
DIGITS_RE = "[0-9]+"


def sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def trimmed(expr: str) -> str:
    """Trim surrounding blanks; an empty cell is a missing value (NULL).

    trim() with a character list is slow in DuckDB and almost no cell needs it, so it runs
    only when the first or last character is a blank or a control character.
    """
    return (
        f"NULLIF(CASE WHEN ascii({expr}) <= 32 OR ascii({expr}[-1]) <= 32 "
        f"THEN trim({expr}, {sql_str(TRIM_CHARS)}) ELSE {expr} END, '')"
    )


def full_match(t: str, pattern: str) -> str:
    return f"regexp_full_match({t}, {sql_str(pattern)})"


def echo(t: str) -> str:
    """The bad value quoted for a message, shortened and with control characters blanked."""
    short = (
        f"CASE WHEN length({t}) > {ECHO_LIMIT} THEN left({t}, {ECHO_LIMIT}) || '...' ELSE {t} END"
    )
    return f"('''' || regexp_replace({short}, '[[:cntrl:]]', ' ', 'g') || ''' ')"


def echo_value(value: str) -> str:
    """Python twin of echo() for messages built outside SQL."""
    short = value[:ECHO_LIMIT] + "..." if len(value) > ECHO_LIMIT else value
    return "'" + "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in short) + "'"


def say(t: str, column: str, text: str) -> str:
    """A problem sentence, prefixed with the value unless the column is personal data."""
    if column in SECRET_COLUMNS:
        return sql_str(text)
    return f"{echo(t)} || {sql_str(text)}"


def let(expr: str, name: str, body: str) -> str:
    """`body` with `name` bound to `expr`, evaluated once.

    A lambda over a one-element list: it keeps a text used many times in a check from
    being copied into the query many times, which would make DuckDB slow to plan it.
    """
    return f"list_transform([{expr}], lambda {name}: {body})[1]"


T = "_t"  # the trimmed text, inside let()


@dataclass(frozen=True)
class CellSql:
    value: str  # typed value, CAST to the typed column's SQL type
    problem: str | None  # problem text or NULL; None when the kind cannot be bad


def cell_sql(kind: Kind, r: str, column: str) -> CellSql:
    """The value and problem expressions for raw cell text `r` of a `kind` column."""
    if kind == Kind.TEXT:
        return CellSql(trimmed(r), None)
    if kind == Kind.DATE:
        value, problem = _date(r, column)
    elif kind == Kind.TIMESTAMP:
        value, problem = _timestamp(r, column)
    elif kind == Kind.MONEY:
        value, problem = _money(r, column)
    elif kind in NINE_DIGITS:
        value, problem = _ssn(r, NINE_DIGITS[kind])
    elif kind == Kind.PAYMENT_TYPE:
        # "Lump sum leave" and "lump-sum-leave" both mean LUMP_SUM_LEAVE.
        spaced = f"regexp_replace(upper({T}), '[ -]+', '_', 'g')"
        value, problem = _enum(r, column, spaced, PAYMENT_TYPES, "payment type")
    elif kind == Kind.POLICY:
        value, problem = _enum(r, column, f"lower({T})", POLICIES, "check-in policy")
    elif kind == Kind.SOURCE:
        value, problem = _enum(r, column, f"lower({T})", CHECKIN_SOURCES, "check-in source")
    elif kind == Kind.ACTIVITY_KIND:
        value, problem = _enum(r, column, f"lower({T})", ACTIVITY_KINDS, "activity kind")
    else:  # pragma: no cover - the enum is closed
        raise ValueError(f"no SQL for kind {kind!r}")
    sql_type = _SQL_TYPES.get(kind, "VARCHAR")
    # Problems are only ever asked about text that is there and has no value.
    return CellSql(f"CAST({value} AS {sql_type})", let(trimmed(r), T, problem))


_SQL_TYPES = {
    Kind.DATE: "DATE",
    Kind.TIMESTAMP: "TIMESTAMP",
    Kind.MONEY: "DECIMAL(18, 2)",
}


def iso_date(x: str) -> str:
    """The DATE for a YYYY-MM-DD text `x`, NULL for anything else.

    TRY_CAST alone is lenient (2025/2/3, "epoch", a time after the date), so the layout is
    tested first; year 0000 does not exist (DuckDB would read it as 1 BC).
    """
    return (
        f"CASE WHEN {x} LIKE '____-__-__' AND {x} >= '0001' AND {x} < ':' "
        f"THEN TRY_CAST({x} AS DATE) END"
    )


def _date(r: str, column: str) -> tuple[str, str]:
    parse = iso_date
    value = f"coalesce({parse(r)}, {let(trimmed(r), T, parse(T))})"
    problem = (
        f"CASE WHEN {T} IS NULL OR {parse(T)} IS NOT NULL THEN NULL "
        f"WHEN {full_match(T, DATE_RE)} THEN {say(T, column, 'is not a real calendar date')} "
        f"ELSE {say(T, column, 'is not a date in the form YYYY-MM-DD')} END"
    )
    return value, problem


def _timestamp(r: str, column: str) -> tuple[str, str]:
    tz = "replace(_p.tz, ':', '')"
    hours = f"TRY_CAST(substr({tz}, 2, 2) AS INTEGER)"
    minutes = f"coalesce(TRY_CAST(NULLIF(substr({tz}, 4, 2), '') AS INTEGER), 0)"
    # Minutes east of UTC; NULL (so no value) for an impossible offset such as +25:00.
    offset = (
        f"(CASE WHEN {tz} IN ('', 'Z', 'z') THEN 0 WHEN {hours} <= 23 AND {minutes} <= 59 "
        f"THEN (CASE WHEN left({tz}, 1) = '-' THEN -1 ELSE 1 END) * ({hours} * 60 + {minutes}) END)"
    )
    local = "TRY_CAST(_p.d || ' ' || coalesce(NULLIF(_p.tm, ''), '00:00:00') AS TIMESTAMP)"
    # An unmatched text gives empty groups; year 0000 does not exist.
    at = f"CASE WHEN _p.d >= '0001' THEN {local} - to_minutes({offset}) END"
    anchored = f"^(?:{TIMESTAMP_RE})$"
    parts = f"regexp_extract({T}, {sql_str(anchored)}, ['d', 'tm', 'tz'])"
    parse = let(parts, "_p", at)
    value = let(trimmed(r), T, parse)
    problem = (
        f"CASE WHEN {T} IS NULL OR {parse} IS NOT NULL THEN NULL "
        f"WHEN {full_match(T, TIMESTAMP_RE)} THEN {say(T, column, 'is not a real date and time')} "
        f"ELSE {say(T, column, 'is not a date and time in ISO 8601 form (like 2025-02-22T16:45:00Z)')} END"
    )
    return value, problem


def _money(r: str, column: str) -> tuple[str, str]:
    shaped = full_match(T, MONEY_RE)
    general = (
        f"CASE WHEN {shaped} "
        f"THEN TRY_CAST(replace(replace({T}, '$', ''), ',', '') AS DECIMAL(18, 2)) END"
    )
    value = (
        f"CASE WHEN {full_match(r, PLAIN_MONEY_RE)} THEN TRY_CAST({r} AS DECIMAL(18, 2)) "
        f"ELSE {let(trimmed(r), T, general)} END"
    )
    problem = (
        f"CASE WHEN {T} IS NULL OR {general} IS NOT NULL THEN NULL "
        f"WHEN {shaped} THEN {say(T, column, 'is too large for a dollar amount')} "
        f"WHEN {full_match(T, NEGATIVE_RE)} THEN "
        f"{say(T, column, 'is negative; an amount must be zero or more')} "
        f"WHEN {full_match(T, _ANY_NUM)} THEN "
        f"{say(T, column, 'has more than two decimals; an amount is in dollars and cents')} "
        f"ELSE {say(T, column, 'is not a dollar amount')} END"
    )
    return value, problem


# The kinds that are nine digits, with what the error message calls one.
NINE_DIGITS = {Kind.SSN: "an SSN", Kind.TIN: "a taxpayer number (EIN or SSN)"}


def _ssn(r: str, noun: str) -> tuple[str, str]:
    digits = f"replace(replace({T}, '-', ''), ' ', '')"
    # Only dashes and spaces ("---") is a placeholder for a missing number, not a bad one.
    value = (
        f"CASE WHEN {full_match(r, DIGITS_RE)} THEN {r} ELSE "
        f"{let(trimmed(r), T, f'CASE WHEN {full_match(digits, DIGITS_RE)} THEN {digits} END')} END"
    )
    problem = (
        f"CASE WHEN {T} IS NULL OR {digits} = '' OR {full_match(digits, DIGITS_RE)} THEN NULL "
        f"WHEN regexp_matches({T}, '\\pL') THEN "
        f"{sql_str(f'contains letters; {noun} is 9 digits')} "
        f"ELSE {sql_str(f'contains characters other than digits and dashes; {noun} is 9 digits')} END"
    )
    return value, problem


def _enum(r: str, column: str, norm: str, allowed: tuple[str, ...], what: str) -> tuple[str, str]:
    # Simple CASEs rather than IN (...), which DuckDB plans as a join; the exact spelling
    # is tried first, the normalised one (over the trimmed text) only when that fails.
    def pick(x: str) -> str:
        return (
            f"CASE {x} "
            + " ".join(f"WHEN {sql_str(a)} THEN {sql_str(a)}" for a in allowed)
            + " END"
        )

    value = f"coalesce({pick(r)}, {let(trimmed(r), T, pick(norm))})"
    text = f"is not a known {what} (one of {', '.join(allowed)})"
    problem = f"CASE WHEN {T} IS NULL OR {pick(norm)} IS NOT NULL THEN NULL ELSE {say(T, column, text)} END"
    return value, problem
