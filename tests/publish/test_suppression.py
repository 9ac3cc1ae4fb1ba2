"""Suppression on random tables: every small figure is withheld, no withheld figure can be
worked out by an outsider solving the published figures (publish_attack.py, written apart
from the library's audit), and no figure is withheld that need not be: putting back any
single complementary figure gives something away."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from publish_attack import Found, Row, attack

from headcount.publish.store import CaseFigure, Determined, OutcomeRecords, store_tables
from headcount.publish.suppress import Protection, Suppressed, suppress
from headcount.publish.tables import TOTAL, Key, Publication, Relation, Rung, Table, Unit, cellwise

PROTECTION = Protection()


def rows_of(publication: Publication, withheld: frozenset[Key]) -> list[Row]:
    return [
        Row(
            t.name,
            t.unit.value,
            k[1],
            k[2],
            None if k in withheld else Decimal(t.value(k[1], k[2])),
        )
        for t in publication.tables
        for k in t.positions()
    ]


def true_value(publication: Publication, key: Key) -> Decimal:
    return Decimal(publication.table(key[0]).value(key[1], key[2]))


def inequalities(publication: Publication) -> list[tuple[tuple[Key, ...], Key]]:
    return [(r.smaller, r.larger) for r in publication.relations]


def wide_enough(publication: Publication, key: Key, found: Found) -> bool:
    if publication.table(key[0]).unit is Unit.COUNT:
        return found.high - found.low >= 2
    need = max(Decimal(1), Decimal("0.1") * true_value(publication, key))
    return found.high - found.low >= float(need)


def given_away(publication: Publication, withheld: frozenset[Key]) -> list[Key]:
    found = attack(rows_of(publication, withheld), inequalities(publication))
    return [
        k for k, f in found.items() if f.fixed_by_equations or not wide_enough(publication, k, f)
    ]


def check(publication: Publication) -> Suppressed:
    done = suppress(publication, PROTECTION)
    # Every small figure is withheld, with the dollars behind a small count.
    for t in publication.tables:
        for k in t.positions():
            if 0 < t.count_behind(k[1], k[2]) < 11:
                assert k in done.primary
            elif k in done.primary:
                pytest.fail(f"{k} withheld as small but its count is not 1-10")
    # The attack fails on every withheld figure...
    assert given_away(publication, done.withheld) == []
    # ...and each complementary figure is needed: without it something is given away.
    for extra in done.complementary:
        assert given_away(publication, done.withheld - {extra}), f"{extra} need not be withheld"
    # Zeros are never withheld (they name nobody, and the attack assumes withheld >= 1).
    assert all(true_value(publication, k) != 0 for k in done.withheld)
    return done


figure = st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 400))


@st.composite
def count_table(draw: st.DrawFn, name: str = "t") -> Table:
    rows = tuple(f"r{i}" for i in range(draw(st.integers(1, 5))))
    columns = tuple(f"c{j}" for j in range(draw(st.integers(1, 4))))
    values = {(r, c): draw(figure) for r in rows for c in columns}
    return Table(
        name=name, title=name, rung=Rung.LEAD, unit=Unit.COUNT, noun="findings",
        row_label="rule", column_label="severity", rows=rows, columns=columns, values=values,
        sum_rows=draw(st.booleans()), sum_columns=draw(st.booleans()),
    )  # fmt: skip


SETTINGS = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(count_table())
def test_random_count_tables(table: Table) -> None:
    check(Publication((table,)))


@st.composite
def linked_tables(draw: st.DrawFn) -> Publication:
    """People by group, and those of them with a finding: the finding count can never be
    more than the people count, and an outsider knows it."""
    people = draw(count_table("people"))
    share = st.integers(0, 100)
    part = {k: v * draw(share) // 100 for k, v in people.values.items()}
    found = Table(
        name="found", title="found", rung=Rung.LEAD, unit=Unit.COUNT, noun="people",
        row_label=people.row_label, column_label=people.column_label, rows=people.rows,
        columns=people.columns, values=part, sum_rows=people.sum_rows,
        sum_columns=people.sum_columns,
    )  # fmt: skip
    return Publication((people, found), tuple(cellwise(found, people)))


@SETTINGS
@given(linked_tables())
def test_random_linked_tables(publication: Publication) -> None:
    check(publication)


@st.composite
def dollar_table(draw: st.DrawFn) -> Table:
    rows = tuple(f"r{i}" for i in range(draw(st.integers(1, 6))))
    behind = {(r, "at risk"): draw(figure) for r in rows}
    cents = st.integers(1, 50_000_000)
    values = {
        k: Decimal(sum(draw(cents) for _ in range(min(n, 3)))) / 100 for k, n in behind.items() if n
    }
    return Table(
        name="d", title="d", rung=Rung.LEAD, unit=Unit.DOLLARS, noun="dollars",
        row_label="rule", column_label="dollars", rows=rows, columns=("at risk",),
        values=values, behind=behind,
    )  # fmt: skip


@SETTINGS
@given(dollar_table())
def test_random_dollar_tables(table: Table) -> None:
    check(Publication((table,)))


small_or_not = st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 30))


@st.composite
def case_store(draw: st.DrawFn) -> Publication:
    """The case store's tables as `headcount publish` makes them: verified by rule,
    determined by rule and outcome, and by rule and cause, with the relations between them
    (no more improper outcomes than verifications; the cause table's totals and its
    `none (proper)` column equal to the outcome table's)."""
    rules = tuple(f"R{i}" for i in range(draw(st.integers(1, 3))))
    outcomes = ("proper", "improper_overpayment", "unknown")
    causes = ("failure_to_verify", "administrative_error_agency", "fraud_referred")
    determined: list[Determined] = []
    verified: list[CaseFigure] = []
    for rule in rules:
        determined += [Determined(rule, outcome="proper")] * draw(small_or_not)
        improper = 0
        for outcome in outcomes[1:]:
            for cause in causes:
                n = draw(small_or_not)
                determined += [Determined(rule, outcome=outcome, cause=cause)] * n
                improper += n
        verified += [CaseFigure(rule)] * (improper + draw(st.integers(0, 12)))
    records = OutcomeRecords(
        rules=rules, verified=verified, determined=determined, outcomes=outcomes,
        after_verification=frozenset(outcomes[1:]), causes=causes,
    )  # fmt: skip
    tables, relations = store_tables(records, "case store")
    return Publication(tuple(tables), tuple(relations))


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(case_store())
def test_random_case_stores_with_causes(publication: Publication) -> None:
    causes = publication.table("determined_by_cause")
    outcomes = publication.table("determined_by_rule")
    # What an outsider knows, written here apart from the library's relations.
    known: list[tuple[tuple[Key, ...], Key]] = []
    for rule in (*causes.rows, TOTAL):
        assert causes.value(rule, TOTAL) == outcomes.value(rule, TOTAL)
        assert causes.value(rule, "none (proper)") == outcomes.value(rule, "proper")
        for mine, theirs in ((TOTAL, TOTAL), ("proper", "none (proper)")):
            a, b = outcomes.key(rule, mine), causes.key(rule, theirs)
            known += [((a,), b), ((b,), a)]
        improper = tuple(outcomes.key(rule, o) for o in outcomes.columns if o != "proper")
        known.append((improper, ("verified_by_rule", rule, "verified")))
    done = check(publication)
    found = attack(rows_of(publication, done.withheld), known)
    assert [k for k, f in found.items()
            if f.fixed_by_equations or not wide_enough(publication, k, f)] == []  # fmt: skip


def test_a_rectangle_protects_two_small_cells() -> None:
    """The textbook case: two small cells in different rows and columns are protected by
    the two cells completing the rectangle, and nothing else is withheld."""
    values = {("A", "high"): 3, ("A", "low"): 20, ("B", "high"): 15, ("B", "low"): 30,
              ("C", "high"): 12, ("C", "low"): 1, ("D", "high"): 40}  # fmt: skip
    table = Table(
        name="t", title="t", rung=Rung.LEAD, unit=Unit.COUNT, noun="findings",
        row_label="rule", column_label="severity", rows=("A", "B", "C", "D"),
        columns=("high", "low"), values=values, sum_rows=True, sum_columns=True,
    )  # fmt: skip
    done = check(Publication((table,)))
    assert done.primary == {("t", "A", "high"), ("t", "C", "low")}
    assert done.complementary == {("t", "A", "low"), ("t", "C", "high")}


def test_the_attack_recovers_what_primary_suppression_alone_leaves() -> None:
    """The outsider's attack is real: withholding only the small cells gives them back."""
    table = Table(
        name="t", title="t", rung=Rung.LEAD, unit=Unit.COUNT, noun="findings",
        row_label="rule", column_label="c", rows=("A", "B", "C"), columns=("x",),
        values={("A", "x"): 4, ("B", "x"): 30, ("C", "x"): 12},
    )  # fmt: skip
    publication = Publication((table,))
    found = attack(rows_of(publication, frozenset({("t", "A", "x")})))
    assert found[("t", "A", "x")] == Found(4, 4, True)
    # Two withheld in a line of 16: not fixed by the equations, and the range is 1..15.
    found = attack(rows_of(publication, frozenset({("t", "A", "x"), ("t", "C", "x")})))
    assert found[("t", "A", "x")] == Found(1, 15, False)
    # An inequality an outsider knows narrows it: A <= 5 leaves 1..5.
    bound = [((("t", "A", "x"),), ("t", "B", "x"))]
    narrow = Table(
        name="t", title="t", rung=Rung.LEAD, unit=Unit.COUNT, noun="findings",
        row_label="rule", column_label="c", rows=("A", "B", "C"), columns=("x",),
        values={("A", "x"): 4, ("B", "x"): 5, ("C", "x"): 12},
    )  # fmt: skip
    hidden = frozenset({("t", "A", "x"), ("t", "C", "x")})
    assert attack(rows_of(Publication((narrow,)), hidden), bound)[("t", "A", "x")].high == 5


def test_nothing_small_nothing_withheld() -> None:
    values = {("A", "x"): 11, ("B", "x"): 0, ("C", "x"): 500}
    table = Table(
        name="t", title="t", rung=Rung.LEAD, unit=Unit.COUNT, noun="findings",
        row_label="rule", column_label="c", rows=("A", "B", "C"), columns=("x",),
        values=values,
    )  # fmt: skip
    assert suppress(Publication((table,))).withheld == frozenset()


def test_one_small_cell_beside_a_total_takes_a_second_with_it() -> None:
    table = Table(
        name="t", title="t", rung=Rung.LEAD, unit=Unit.COUNT, noun="findings",
        row_label="rule", column_label="c", rows=("A", "B", "C"), columns=("x",),
        values={("A", "x"): 4, ("B", "x"): 30, ("C", "x"): 12},
    )  # fmt: skip
    done = check(Publication((table,)))
    # The smallest publishable figure goes with it; the total stays published.
    assert done.complementary == {("t", "C", "x")}
    assert ("t", TOTAL, "x") not in done.withheld


def test_a_relation_is_an_outsiders_knowledge() -> None:
    """Withheld findings in a row whose people count is tiny: the people count bounds the
    findings, so the bound must be withheld or widened too."""
    people = Table(
        name="people", title="p", rung=Rung.CONTEXT, unit=Unit.COUNT, noun="employees",
        row_label="agency", column_label="reply", rows=("A", "B"), columns=("yes", "no"),
        values={("A", "yes"): 12, ("A", "no"): 400, ("B", "yes"): 300, ("B", "no"): 250},
        sum_rows=True, sum_columns=True,
    )  # fmt: skip
    found = Table(
        name="found", title="f", rung=Rung.LEAD, unit=Unit.COUNT, noun="employees",
        row_label="agency", column_label="reply", rows=("A", "B"), columns=("yes", "no"),
        values={("A", "yes"): 12, ("A", "no"): 3, ("B", "yes"): 20, ("B", "no"): 2},
        sum_rows=True, sum_columns=True,
    )  # fmt: skip
    publication = Publication((people, found), tuple(cellwise(found, people)))
    check(publication)
    assert all(isinstance(r, Relation) for r in publication.relations)
