"""Small-cell and complementary suppression, checked by solving what is published.

Primary suppression withholds every figure whose count (for dollars: the count of findings
or cases behind them) is 1 to 10. Zero is published: it names nobody, and a zero that could
be withheld would only tell an outsider less about the other figures.

Withholding a small figure is not enough when totals are published: a row total less the
published cells of the row gives the withheld one back. So the publication is audited the
way an outsider would attack it. Every published total is a linear equation over the
figures it adds up, every `Relation` an inequality (no more people with a finding than
people), a withheld count is a whole number of at least 1 (zeros are never withheld) and
withheld dollars are at least 0. For each withheld figure a mixed-integer program (HiGHS,
through scipy) finds the least and the greatest value it could have; the figure is
protected when that range is wide enough (`Protection`). While some figure is not, one
more published figure is withheld: the non-zero figure that closes the most equations
giving a withheld figure back by subtraction (else one sharing an equation or a relation
with it), interior figures before totals, the smallest first. When every figure is protected, each
figure withheld this way is put back if the publication stays protected without it, so
no single complementary figure is withheld that need not be.

The search always ends: withholding everything that is not zero leaves every withheld
figure unbounded above.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from headcount.publish.tables import TOTAL, Key, Number, Publication, Relation, Table, Unit

THRESHOLD = 11  # counts below this (and above zero) are withheld
TRIES = 12  # candidates tried, best first, when no single subtraction gives a figure back


@dataclass(frozen=True)
class Protection:
    """How wide the range an outsider can work out for a withheld figure must stay."""

    threshold: int = THRESHOLD
    count_width: int = 2  # at least three whole numbers possible
    dollar_width: Decimal = Decimal(1)
    dollar_share: Decimal = Decimal("0.10")  # ... and at least 10% of the figure

    def wide_enough(self, unit: Unit, value: Number, low: float, high: float) -> bool:
        if unit is Unit.COUNT:
            return high - low >= self.count_width
        need = max(self.dollar_width, self.dollar_share * abs(Decimal(value)))
        return high - low >= float(need)

    def small(self, count: int) -> bool:
        return 0 < count < self.threshold


@dataclass(frozen=True)
class Suppressed:
    """What is withheld: `primary` (small), and `complementary` (so that no small figure
    can be worked out)."""

    primary: frozenset[Key]
    complementary: frozenset[Key]

    @property
    def withheld(self) -> frozenset[Key]:
        return self.primary | self.complementary


@dataclass(frozen=True)
class _System:
    """One group of linked tables (one unit) as a linear system."""

    unit: Unit
    keys: tuple[Key, ...]
    values: Mapping[Key, Number]
    equations: tuple[tuple[Key, tuple[Key, ...]], ...]
    relations: tuple[Relation, ...]
    is_total: frozenset[Key]

    def index(self) -> dict[Key, int]:
        return {k: i for i, k in enumerate(self.keys)}

    def partners(self, key: Key) -> set[Key]:
        found: set[Key] = set()
        for total, parts in self.equations:
            if key == total or key in parts:
                found.update((total, *parts))
        for r in self.relations:
            if key == r.larger or key in r.smaller:
                found.update((*r.smaller, r.larger))
        found.discard(key)
        return found


class Attack:
    """What an outsider can work out about the withheld figures of one system: the least
    and greatest value of each, given every published figure, equation and relation."""

    def __init__(
        self,
        unit: Unit,
        values: Mapping[Key, Number],
        equations: Sequence[tuple[Key, Sequence[Key]]],
        relations: Sequence[Relation],
        withheld: Iterable[Key],
    ) -> None:
        from scipy.optimize import Bounds, LinearConstraint

        self.keys = tuple(values)
        self.index = {k: i for i, k in enumerate(self.keys)}
        n = len(self.keys)
        low = np.array([float(values[k]) for k in self.keys])
        high = low.copy()
        # A ceiling far above anything the figures allow stands for "no upper bound": HiGHS
        # reports a bounded problem more reliably than an unbounded one.
        self.ceiling = 2.0 * sum(abs(float(v)) for v in values.values()) + 1e6
        hidden = set(withheld)
        for k in hidden:
            low[self.index[k]] = 1.0 if unit is Unit.COUNT else 0.0
            high[self.index[k]] = self.ceiling
        self.bounds = Bounds(low, high)
        self.constraints: list[LinearConstraint] = []
        equal = np.zeros((len(equations), n))
        for i, (total, parts) in enumerate(equations):
            equal[i, self.index[total]] = 1.0
            for p in parts:
                equal[i, self.index[p]] -= 1.0
        if len(equations):
            self.constraints.append(LinearConstraint(equal, 0.0, 0.0))
        less = np.zeros((len(relations), n))
        for i, r in enumerate(relations):
            for k in r.smaller:
                less[i, self.index[k]] += 1.0
            less[i, self.index[r.larger]] -= 1.0
        if len(relations):
            self.constraints.append(LinearConstraint(less, -np.inf, 0.0))
        # Counts are whole numbers: an outsider may use that too.
        self.integrality = np.full(n, 1 if unit is Unit.COUNT else 0)

    def range(self, key: Key) -> tuple[float, float]:
        from scipy.optimize import milp

        found: list[float] = []
        for sign in (1.0, -1.0):
            c = np.zeros(len(self.keys))
            c[self.index[key]] = sign
            res = milp(
                c, integrality=self.integrality, bounds=self.bounds, constraints=self.constraints
            )
            if res.status != 0:
                raise RuntimeError(f"suppression audit failed for {key}: {res.message}")
            value = sign * float(res.fun)
            found.append(math.inf if value >= self.ceiling - 0.5 else value)
        return found[0], found[1]


def _systems(publication: Publication) -> list[_System]:
    """Tables joined by relations form one system; every other table is one of its own."""
    group = {t.name: t.name for t in publication.tables}

    def root(name: str) -> str:
        while group[name] != name:
            name = group[name]
        return name

    for r in publication.relations:
        for k in r.smaller:
            group[root(k[0])] = root(r.larger[0])
    members: dict[str, list[Table]] = {}
    for t in publication.tables:
        members.setdefault(root(t.name), []).append(t)
    systems = []
    for tables in members.values():
        units = {t.unit for t in tables}
        if len(units) != 1:
            raise ValueError("a relation joins a count table to a dollar table")
        names = {t.name for t in tables}
        systems.append(
            _System(
                unit=tables[0].unit,
                keys=tuple(k for t in tables for k in t.positions()),
                values={k: t.value(k[1], k[2]) for t in tables for k in t.positions()},
                equations=tuple(e for t in tables for e in t.equations()),
                relations=tuple(r for r in publication.relations if r.larger[0] in names),
                is_total=frozenset(
                    k for t in tables for k in t.positions() if TOTAL in (k[1], k[2])
                ),
            )
        )
    return systems


def primary_cells(publication: Publication, protection: Protection) -> frozenset[Key]:
    return frozenset(
        k
        for t in publication.tables
        for k in t.positions()
        if protection.small(t.count_behind(k[1], k[2]))
    )


def _weak(
    system: _System, withheld: set[Key], protection: Protection, first: Iterable[Key] = ()
) -> Key | None:
    """A withheld figure whose range is too narrow, or None. A figure alone among the
    withheld of an equation is given back by subtraction, found without solving; the
    others are solved for one by one, those near `first` (what just changed) first."""
    for line in _exposed(system, withheld):
        return next(k for k in line if k in withheld)
    if not withheld:
        return None
    attack = Attack(system.unit, system.values, system.equations, system.relations, withheld)
    near = {p for k in first for p in system.partners(k)}
    order = system.index()
    for k in sorted(withheld, key=lambda k: (k not in near, order[k])):
        if not protection.wide_enough(system.unit, system.values[k], *attack.range(k)):
            return k
    return None


def _exposed(system: _System, withheld: set[Key]) -> list[tuple[Key, ...]]:
    """Equations (total and parts) in which exactly one figure is withheld: each gives it
    back by subtraction."""
    lines = [(total, *parts) for total, parts in system.equations]
    return [line for line in lines if sum(k in withheld for k in line) == 1]


def _complement(system: _System, weak: Key, withheld: set[Key], protection: Protection) -> Key:
    """The figure to withhold next. First, the one closing the most equations that give a
    withheld figure back by subtraction; failing that, of the figures sharing an equation
    or a relation with `weak`, the first that makes its range wide enough (else the one
    that widens it most). Ties: interior before totals, the smallest, reading order."""
    order = system.index()
    exposed = _exposed(system, withheld)

    def usable(keys: Iterable[Key]) -> list[Key]:
        return [k for k in keys if k not in withheld and system.values[k] != 0]

    def preference(k: Key) -> tuple[bool, float, int]:
        return (k in system.is_total, float(system.values[k]), order[k])

    closes = {k: sum(k in line for line in exposed) for k in usable(system.keys)}
    if any(closes.values()):
        return min(closes, key=lambda k: (-closes[k], *preference(k)))
    candidates = usable(system.partners(weak))
    if not candidates:  # every partner is withheld or zero: widen through the others'
        candidates = usable(p for k in withheld for p in system.partners(k))
    if not candidates:
        raise RuntimeError(f"no figure left to withhold to protect {weak}")
    best, widest = None, -1.0
    for k in sorted(candidates, key=preference)[:TRIES]:
        attack = Attack(
            system.unit, system.values, system.equations, system.relations, withheld | {k}
        )
        low, high = attack.range(weak)
        if protection.wide_enough(system.unit, system.values[weak], low, high):
            return k
        if high - low > widest:
            best, widest = k, high - low
    assert best is not None
    return best


def _protect(system: _System, primary: set[Key], protection: Protection) -> set[Key]:
    withheld = set(primary)
    added: list[Key] = []
    while (weak := _weak(system, withheld, protection)) is not None:
        extra = _complement(system, weak, withheld, protection)
        withheld.add(extra)
        added.append(extra)
    # Put back what turned out not to be needed, the figures worth most first.
    order = system.index()
    for extra in sorted(added, key=lambda k: (-system.values[k], order[k])):
        withheld.discard(extra)
        if _weak(system, withheld, protection, first=(extra,)) is not None:
            withheld.add(extra)
    return withheld - primary


def suppress(publication: Publication, protection: Protection | None = None) -> Suppressed:
    """Decide what the publication withholds."""
    protection = protection or Protection()
    primary = primary_cells(publication, protection)
    complementary: set[Key] = set()
    for system in _systems(publication):
        mine = {k for k in system.keys if k in primary}
        if mine:
            complementary |= _protect(system, mine, protection)
    return Suppressed(primary=primary, complementary=frozenset(complementary))
