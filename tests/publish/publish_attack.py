"""An outsider's attack on a publication, written apart from headcount's own audit: from
the published figures alone (figures.csv, or the same rows in memory) rebuild every
equation the totals imply, then try to work out each withheld figure, first by linear
algebra (is it fixed by the equations?), then by integer programming (how narrow can its
range be made with everything an outsider knows: counts are whole and at least 1, dollars
at least 0, and the documented inequalities between tables)."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

ALL = "(all)"
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Row:
    table: str
    unit: str
    row: str
    column: str
    value: Decimal | None  # None: withheld


def read_figures(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Row(
                r["table"], r["unit"], r["row"], r["column"],
                None if r["status"] == "withheld" else Decimal(r["value"]),
            )
            for r in csv.DictReader(f)
        ]  # fmt: skip


def equations(rows: Sequence[Row]) -> list[tuple[Key, list[Key]]]:
    """Every total and what it adds up, read from the positions the tables publish."""
    by_table: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for published in rows:
        by_table[published.table].add((published.row, published.column))
    found = []
    for table, cells in by_table.items():
        row_names = sorted({r for r, _ in cells if r != ALL})
        col_names = sorted({c for _, c in cells if c != ALL})
        for r in [*row_names, ALL]:
            if (r, ALL) in cells:
                found.append(((table, r, ALL), [(table, r, c) for c in col_names]))
        for c in [*col_names, ALL]:
            if (ALL, c) in cells:
                found.append(((table, ALL, c), [(table, r, c) for r in row_names]))
    return found


@dataclass(frozen=True)
class Found:
    low: float
    high: float
    fixed_by_equations: bool


def attack(
    rows: Sequence[Row],
    inequalities: Iterable[tuple[Sequence[Key], Key]] = (),
    only: Iterable[Key] | None = None,
) -> dict[Key, Found]:
    """For every withheld figure (or those in `only`): what the published figures give
    away. `inequalities`: (figures whose sum, cannot exceed figure)."""
    keys = [(r.table, r.row, r.column) for r in rows]
    index = {k: i for i, k in enumerate(keys)}
    n = len(keys)
    unit = {(r.table, r.row, r.column): r.unit for r in rows}
    hidden = [k for k, r in zip(keys, rows, strict=True) if r.value is None]
    big = 10.0 * sum(float(r.value or 0) for r in rows) + 1e7
    low = np.array([float(r.value) if r.value is not None else 0.0 for r in rows])
    high = low.copy()
    for k in hidden:
        low[index[k]] = 1.0 if unit[k] == "count" else 0.0
        high[index[k]] = big
    eq = np.zeros((0, n))
    for total, parts in equations(rows):
        line = np.zeros(n)
        line[index[total]] = 1
        for p in parts:
            line[index[p]] -= 1
        eq = np.vstack([eq, line])
    constraints = [LinearConstraint(eq, 0, 0)] if len(eq) else []
    ineq = []
    for smaller, larger in inequalities:
        line = np.zeros(n)
        for k in smaller:
            line[index[k]] += 1
        line[index[larger]] -= 1
        ineq.append(line)
    if ineq:
        constraints.append(LinearConstraint(np.array(ineq), -np.inf, 0))
    integrality = np.array([1 if unit[k] == "count" else 0 for k in keys])
    # The equations over the withheld figures alone (published ones move to the right).
    columns = [index[k] for k in hidden]
    a = eq[:, columns] if len(eq) else np.zeros((0, len(hidden)))
    rank = np.linalg.matrix_rank(a) if a.size else 0
    targets = hidden if only is None else [k for k in hidden if k in set(only)]
    out = {}
    for k in targets:
        unit_row = np.zeros((1, len(hidden)))
        unit_row[0, hidden.index(k)] = 1
        fixed = np.linalg.matrix_rank(np.vstack([a, unit_row])) == rank if a.size else False
        bounds = []
        for sign in (1, -1):
            c = np.zeros(n)
            c[index[k]] = sign
            res = milp(
                c, integrality=integrality, bounds=Bounds(low, high), constraints=constraints
            )
            assert res.status == 0, res.message
            bounds.append(sign * res.fun)
        hi = np.inf if bounds[1] >= big - 1 else bounds[1]
        out[k] = Found(bounds[0], hi, bool(fixed))
    return out
