"""Property tests for SSN validity and name equivalence, run through the real SQL."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.matching import ssn
from headcount.matching.names import (
    given_equivalent,
    install_nicknames,
    nickname_join,
    nickname_pairs,
    surname_equivalent,
)

digits = st.text(alphabet="0123456789", min_size=0, max_size=11)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)


@pytest.fixture(scope="module")
def engine() -> DuckDBEngine:
    engine = DuckDBEngine(duckdb.connect())
    install_nicknames(engine)
    return engine


def sql_issuable(engine: DuckDBEngine, value: str) -> bool:
    sql = f"SELECT {ssn.issuable_sql('s')} AS ok FROM (SELECT '{value}' AS s) t"
    return bool(engine.fetch_arrow(sql).column("ok")[0].as_py())


def levenshtein(a: str, b: str) -> int:
    """Independent oracle for the tests: the textbook dynamic programme."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def equivalent(engine: DuckDBEngine, a: str, b: str | None) -> tuple[bool, bool]:
    d = engine.dialect
    sql = f"""
        SELECT {given_equivalent(d, "x.a", "x.b", "nk")} AS given,
               {surname_equivalent(d, "x.a", "x.b")} AS surname
        FROM (SELECT ? AS a, ? AS b) x {nickname_join(d, "nk", "x.a", "x.b")}
    """
    row = engine.con.execute(sql, [a, b]).fetchone()
    assert row is not None
    return bool(row[0]), bool(row[1])


@given(digits)
@settings(max_examples=300, deadline=None)
def test_python_and_sql_agree_on_ssn_validity(engine, value):
    assert ssn.is_issuable(value) == sql_issuable(engine, value)
    assert (ssn.never_issued_reason(value) is None) == ssn.is_issuable(value)


@given(st.integers(min_value=1, max_value=899), st.integers(1, 99), st.integers(1, 9999))
def test_every_well_formed_number_outside_the_reserved_blocks_is_issuable(area, group, serial):
    value = f"{area:03d}{group:02d}{serial:04d}"
    expected = area != 666 and value not in ssn.VOIDED
    assert ssn.is_issuable(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("000123456", "area number 000"),
        ("666123456", "area number 666"),
        ("900123456", "area number 900"),
        ("123001234", "group number 00"),
        ("123450000", "serial number 0000"),
        ("078051120", "voided"),
        ("219099999", "voided"),
        ("987654329", "voided"),
        ("1234567", "7 digits"),
    ],
)
def test_never_issued_reasons(value, reason):
    assert reason in (ssn.never_issued_reason(value) or "")


@given(st.text(max_size=12))
def test_normalise_keeps_digits_or_returns_none(raw):
    result = ssn.normalise(raw)
    if result is not None:
        assert result.isdigit()
        assert result == "".join(ch for ch in raw if ch not in "- ").strip()


def test_mask_shows_only_last_four():
    assert ssn.mask("123456789") == "***-**-6789"
    assert ssn.mask(None) is None


@given(names, names)
@settings(max_examples=200, deadline=None)
def test_name_equivalence_follows_the_contract(engine, a, b):
    given_eq, surname_eq = equivalent(engine, a, b)
    nick = (a, b) in set(nickname_pairs())
    assert given_eq == (levenshtein(a, b) <= 1 or nick)
    if levenshtein(a, b) <= 1:
        assert surname_eq
    if surname_eq:
        assert levenshtein(a, b) <= 2  # one transposition is two Levenshtein edits


@given(names, names)
@settings(max_examples=100, deadline=None)
def test_name_equivalence_is_symmetric_and_ignores_case_and_spaces(engine, a, b):
    assert equivalent(engine, a, b) == equivalent(engine, b, a)
    assert equivalent(engine, f"  {a.upper()} ", b) == equivalent(engine, a, b)


@given(names)
@settings(max_examples=50, deadline=None)
def test_adjacent_transposition_is_a_surname_match(engine, a):
    if len(a) >= 2:
        swapped = a[1] + a[0] + a[2:]
        assert equivalent(engine, a, swapped)[1]


@pytest.mark.parametrize(
    ("a", "b", "given_eq"),
    [
        ("Robert", "Bob", True),
        ("Peggy", "MARGARET", True),
        ("William", "Bill", True),
        ("Jon", "John", True),
        ("Mary", "Michael", False),
        ("Ann", "", False),
    ],
)
def test_known_given_names(engine, a, b, given_eq):
    assert equivalent(engine, a, b or None)[0] is given_eq
