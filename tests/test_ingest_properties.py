"""Property tests: the SQL cell parsers against small Python references.

The SQL (cells.py) takes a quick path for clean text and a general one otherwise; these
tests check that, whatever the text, the typed value is what the contract says and a bad
cell always gets a problem sentence.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headcount.contract.tables import Kind
from headcount.ingest.cells import DATE_RE, MONEY_RE, cell_sql
from test_ingest_support import load, make_dataset, quality, rows

CON = duckdb.connect()
BLANKS = " \t\r\n"
# Text a CSV cell can hold (no NUL, no lone surrogates).
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))


def evaluate(kind: Kind, column: str, text: str | None) -> tuple[object, str | None]:
    cell = cell_sql(kind, "r", column)
    sql = f"SELECT {cell.value}, {cell.problem} FROM (SELECT CAST(? AS VARCHAR) AS r)"
    got = CON.execute(sql, [text]).fetchone()
    assert got is not None
    return got[0], got[1]


# --- SSN ---------------------------------------------------------------------------------


def ssn_reference(text: str) -> tuple[str | None, bool]:
    """(value, bad) per the contract: digits after removing dashes and spaces."""
    t = text.strip(BLANKS)
    digits = t.replace("-", "").replace(" ", "")
    if not digits:
        return None, False
    if re.fullmatch("[0-9]+", digits):
        return digits, False
    return None, True


@given(ANY_TEXT)
def test_ssn_matches_reference(text: str) -> None:
    value, problem = evaluate(Kind.SSN, "ssn", text)
    expected, bad = ssn_reference(text)
    assert value == expected
    assert (problem is not None) == bad
    if problem is not None:
        assert problem.endswith("an SSN is 9 digits")


@given(
    st.text(st.sampled_from("0123456789- "), max_size=20),
    st.characters(categories=("Lu", "Ll"), max_codepoint=0x3FF),
    st.text(st.sampled_from("0123456789- "), max_size=20),
)
def test_ssn_with_a_letter_is_bad_and_not_echoed(before: str, letter: str, after: str) -> None:
    text = before + letter + after
    value, problem = evaluate(Kind.SSN, "ssn", text)
    assert value is None
    assert problem == "contains letters; an SSN is 9 digits"


@given(st.text(st.sampled_from("0123456789"), min_size=1, max_size=30), st.data())
def test_ssn_digits_survive_any_dashes_and_blanks(digits: str, data: st.DataObject) -> None:
    dressed = "".join(c + data.draw(st.sampled_from(["", "-", " ", "--"])) for c in digits)
    text = (
        data.draw(st.sampled_from(["", " ", "\t"]))
        + dressed
        + data.draw(st.sampled_from(["", " ", "\r\n"]))
    )
    assert evaluate(Kind.SSN, "ssn", text) == (digits, None)


# --- dates ---------------------------------------------------------------------------------


def date_reference(text: str) -> dt.date | None:
    t = text.strip(BLANKS)
    if not re.fullmatch(DATE_RE, t):
        return None
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        return None


@given(st.dates(), st.sampled_from(["", " ", "\t", "\r\n"]))
def test_any_valid_date_round_trips(day: dt.date, pad: str) -> None:
    assert evaluate(Kind.DATE, "hire_date", pad + day.isoformat() + pad) == (day, None)


@given(
    st.integers(1, 9999),
    st.integers(0, 99),
    st.integers(0, 99),
)
def test_impossible_dates_are_bad(year: int, month: int, day: int) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"
    value, problem = evaluate(Kind.DATE, "hire_date", text)
    expected = date_reference(text)
    assert value == expected
    if expected is None:
        assert problem == f"'{text}' is not a real calendar date"


DATEISH = st.text(st.sampled_from("0123456789-/. :T+aeZ\t"), max_size=14)


@given(st.one_of(DATEISH, ANY_TEXT))
def test_date_parsing_matches_reference(text: str) -> None:
    value, problem = evaluate(Kind.DATE, "date_of_birth", text)
    expected = date_reference(text)
    assert value == expected
    bad = expected is None and text.strip(BLANKS) != ""
    assert (problem is not None) == bad
    if problem is not None:  # a date of birth is never echoed
        assert problem in ("is not a real calendar date", "is not a date in the form YYYY-MM-DD")


# --- money -----------------------------------------------------------------------------------


def money_reference(text: str) -> Decimal | None:
    t = text.strip(BLANKS)
    if not re.fullmatch(MONEY_RE, t):
        return None
    amount = Decimal(t.replace("$", "").replace(",", ""))
    if amount >= Decimal(10) ** 16:
        return None
    return amount.quantize(Decimal("0.01"))


@given(st.decimals(min_value=0, max_value=Decimal("9999999999999999.99"), places=2))
def test_any_amount_round_trips(amount: Decimal) -> None:
    assert evaluate(Kind.MONEY, "gross_pay", str(amount)) == (amount, None)
    assert evaluate(Kind.MONEY, "gross_pay", f"${amount:,}") == (amount, None)


MONEYISH = st.text(st.sampled_from("0123456789.,$-() eE+_"), max_size=12)


@given(st.one_of(MONEYISH, ANY_TEXT))
def test_money_parsing_matches_reference(text: str) -> None:
    value, problem = evaluate(Kind.MONEY, "gross_pay", text)
    expected = money_reference(text)
    assert value == expected
    assert (problem is not None) == (expected is None and text.strip(BLANKS) != "")


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**9), places=2))
def test_negative_amounts_are_bad(amount: Decimal) -> None:
    value, problem = evaluate(Kind.MONEY, "net_pay", f"-{amount}")
    assert value is None
    assert problem == f"'-{amount}' is negative; an amount must be zero or more"


# --- timestamps ------------------------------------------------------------------------------

OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)


@given(
    st.datetimes(min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9998, 12, 30)),
    OFFSETS,
)
def test_timestamps_are_converted_to_utc(moment: dt.datetime, zone: dt.timezone) -> None:
    aware = moment.replace(tzinfo=zone)
    utc = aware.astimezone(dt.UTC).replace(tzinfo=None)
    assert evaluate(Kind.TIMESTAMP, "sent_at", aware.isoformat()) == (utc, None)
    if zone.utcoffset(None) == dt.timedelta(0):
        zulu = moment.isoformat() + "Z"
        assert evaluate(Kind.TIMESTAMP, "sent_at", zulu) == (moment, None)


@given(st.dates(min_value=dt.date(1, 1, 1)))
def test_a_bare_date_is_midnight_utc(day: dt.date) -> None:
    midnight = dt.datetime(day.year, day.month, day.day)
    assert evaluate(Kind.TIMESTAMP, "deadline", day.isoformat()) == (midnight, None)


@given(ANY_TEXT)
def test_timestamp_never_fails_outright(text: str) -> None:
    value, problem = evaluate(Kind.TIMESTAMP, "submitted_at", text)
    assert (value is None) == (problem is not None or text.strip(BLANKS) == "")


# --- enums ------------------------------------------------------------------------------------


@given(st.sampled_from(["REGULAR", "LUMP_SUM_LEAVE", "AWARD", "RETRO", "SEVERANCE", "OTHER"]))
def test_payment_types_any_case(kind: str) -> None:
    for text in (kind, kind.lower(), kind.title(), kind.replace("_", " "), kind.replace("_", "-")):
        assert evaluate(Kind.PAYMENT_TYPE, "payment_type", f" {text} ") == (kind, None)


@given(ANY_TEXT)
def test_unknown_payment_types_are_bad(text: str) -> None:
    value, problem = evaluate(Kind.PAYMENT_TYPE, "payment_type", text)
    normalised = re.sub("[ -]+", "_", text.strip(BLANKS).upper())
    known = normalised in {"REGULAR", "LUMP_SUM_LEAVE", "AWARD", "RETRO", "SEVERANCE", "OTHER"}
    if known:
        assert value == normalised and problem is None
    else:
        assert value is None
        assert (problem is None) == (text.strip(BLANKS) == "")


# --- end to end --------------------------------------------------------------------------------

CSV_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(string.digits + "-"),
    max_size=15,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(CSV_TEXT, st.characters(categories=("Lu", "Ll"), max_codepoint=0x24F), CSV_TEXT)
def test_ssn_with_a_letter_through_load_dataset(
    tmp_path_factory: pytest.TempPathFactory, before: str, letter: str, after: str
) -> None:
    ssn = before + letter + after
    folder = make_dataset(
        tmp_path_factory.mktemp("ds"),
        roster=[{"employee_id": "E1"}, {"employee_id": "E2", "ssn": ssn}],
    )
    con, ds = load(folder)
    assert ds.rows["roster"] == 2
    assert rows(con, "SELECT ssn FROM roster WHERE _row = 2") == [{"ssn": None}]
    dq = quality(con)
    assert [(r["file"], r["row"], r["column"], r["employee_id"]) for r in dq] == [
        ("roster.csv", 2, "ssn", "E2")
    ]
    # The value is never echoed (a value of a letter or three can be part of the wording).
    echoed = ssn.strip()
    assert len(echoed) < 4 or echoed not in dq[0]["problem"]


def test_reference_patterns_are_plain_re2_and_python() -> None:
    # The same pattern text drives the SQL (RE2) and the Python reference (re).
    for pattern in (DATE_RE, MONEY_RE):
        re.compile(pattern)
        CON.execute("SELECT regexp_full_match('1', ?)", [pattern])


def test_property_module_loads_a_dataset(tmp_path: Path) -> None:
    _, ds = load(make_dataset(tmp_path / "ds"))
    assert ds.data_quality == 0
