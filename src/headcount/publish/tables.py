"""What a publication is made of: tables of aggregate figures, each on one rung of the
evidence ladder, and the relations between them an outsider could use to work out a
withheld figure.

A table is rows by columns of one measure (a count, or dollars with the count behind each
figure), with the totals it publishes: over its rows (one per column), over its columns
(one per row), and the grand total when it has both. The library computes every total
from the cells, so a table cannot publish totals that disagree with its cells. Every figure
appears in exactly one table; where two tables are related (a count that cannot exceed
another), a `Relation` says so, and suppression takes it into account.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

# The ladder lives in contract/ladder.py (the outcome report labels its figures with it too).
from headcount.contract.ladder import Rung as Rung

# The label of a total in a table's rows or columns: never a rule code or an agency code.
TOTAL = "(all)"

Number = int | Decimal


class Unit(StrEnum):
    COUNT = "count"
    DOLLARS = "dollars"


Key = tuple[str, str, str]  # (table, row, column); a total's row or column is TOTAL


@dataclass(frozen=True)
class Table:
    """One published table. `values` holds the interior cells (row, column) -> figure; a
    missing cell is 0. For dollars, `behind` holds the count of findings or cases behind
    each interior cell, which decides what is too small to publish and is never published
    itself."""

    name: str
    title: str
    rung: Rung
    unit: Unit
    noun: str  # what is counted or whose dollars these are: "findings", "cases", "employees"
    row_label: str
    column_label: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: Mapping[tuple[str, str], Number]
    behind: Mapping[tuple[str, str], int] | None = None
    sum_rows: bool = True  # a total over the rows for each column
    sum_columns: bool = False  # a total over the columns for each row
    rows_total: str = "All"  # how the page names the total over the rows ("All rules")
    columns_total: str = "All"
    source: str = ""
    note: str = ""
    row_notes: Mapping[str, str] = field(default_factory=dict)  # e.g. an agency's policy
    # Show each figure also as a share of the same position in this table (both published).
    share_of: str | None = None
    group: str = ""  # tables shown together (one campaign's), named by their common stem

    def __post_init__(self) -> None:
        if TOTAL in self.rows or TOTAL in self.columns:
            raise ValueError(f"table {self.name}: {TOTAL!r} is reserved for totals")
        if self.unit is Unit.DOLLARS and self.behind is None:
            raise ValueError(f"table {self.name}: dollars need the counts behind them")
        if self.unit is Unit.COUNT and self.behind is not None:
            raise ValueError(f"table {self.name}: a count table is its own count")
        unknown = {k for k in self.values if k[0] not in self.rows or k[1] not in self.columns}
        if unknown:
            raise ValueError(f"table {self.name}: cells outside its rows/columns: {unknown}")

    @property
    def row_keys(self) -> tuple[str, ...]:
        return (*self.rows, TOTAL) if self.sum_rows else self.rows

    @property
    def column_keys(self) -> tuple[str, ...]:
        return (*self.columns, TOTAL) if self.sum_columns else self.columns

    def key(self, row: str, column: str) -> Key:
        return (self.name, row, column)

    def positions(self) -> Iterator[Key]:
        """Every published position, totals included, in reading order."""
        for row in self.row_keys:
            for column in self.column_keys:
                yield (self.name, row, column)

    def _sum(self, table: Mapping[tuple[str, str], Number], row: str, column: str) -> Number:
        rows = self.rows if row == TOTAL else (row,)
        columns = self.columns if column == TOTAL else (column,)
        total: Number = 0
        for r in rows:
            for c in columns:
                total += table.get((r, c), 0)
        return total

    def value(self, row: str, column: str) -> Number:
        return self._sum(self.values, row, column)

    def count_behind(self, row: str, column: str) -> int:
        """The count behind a figure: itself for counts, `behind` for dollars."""
        if self.behind is None:
            return int(self.value(row, column))
        return int(self._sum(self.behind, row, column))

    def equations(self) -> list[tuple[Key, tuple[Key, ...]]]:
        """Each published total and the figures it adds up: (total, parts)."""
        found: list[tuple[Key, tuple[Key, ...]]] = []
        if self.sum_columns:
            for row in self.row_keys:
                found.append((self.key(row, TOTAL), tuple(self.key(row, c) for c in self.columns)))
        if self.sum_rows:
            # With both sums the grand total adds up either way; both are listed, so that
            # each total shares an equation with every figure it could give away.
            for column in self.column_keys:
                found.append(
                    (self.key(TOTAL, column), tuple(self.key(r, column) for r in self.rows))
                )
        return found


@dataclass(frozen=True)
class Relation:
    """The figures `smaller` add up to no more than `larger` (people with a finding among
    the people in a group; improper payments confirmed among the cases verified): an
    outsider knows it, so suppression must too."""

    smaller: tuple[Key, ...]
    larger: Key


def cellwise(smaller: Table, larger: Table) -> list[Relation]:
    """`smaller` ≤ `larger` at every position both tables publish."""
    theirs = set(larger.positions())
    return [
        Relation((k,), (larger.name, k[1], k[2]))
        for k in smaller.positions()
        if (larger.name, k[1], k[2]) in theirs
    ]


@dataclass(frozen=True)
class Comparison:
    """A figure computed from counts, such as the difference of two groups' finding rates
    with its confidence interval: shown only where every count in `needs` is published,
    so it can never give a withheld one away."""

    group: str  # the tables it is computed from; the comparison's own table is GROUP_difference
    title: str
    row: str
    needs: tuple[Key, ...]
    estimate: float
    low: float
    high: float
    confidence: float
    source: str = ""


@dataclass(frozen=True)
class Publication:
    """The tables, their relations, and the results (and store) they came from."""

    tables: tuple[Table, ...]
    relations: tuple[Relation, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    sources: tuple[str, ...] = ()

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)


def check_unique(tables: Sequence[Table]) -> None:
    names = [t.name for t in tables]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"two tables share the name {', '.join(dupes)}")
