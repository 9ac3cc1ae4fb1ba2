"""hr_changes.csv: the HR and payroll systems' change log.

The background is what a real log holds: within-grade step increases and promotions keyed
by an HR specialist and approved by the supervisor (pay before them is lower, so payroll
agrees), separations processed the same way, employees' own self-service changes of bank
account (payroll follows) and home address, and edits of fields no rule judges. Only
people no plant uses get background changes, so a plant's story is exactly its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from headcount.contract.tables import HR_CHANGES
from headcount.synth import arrowfmt as af
from headcount.synth.columns import PersonText
from headcount.synth.common import (
    I64,
    NO_DATE,
    PERIOD_ENDS,
    PERIOD_STARTS,
    Bool,
)
from headcount.synth.people import People, unique_ints

# Bank accounts opened during the year: 13 digits, never a roster-time account (10-12).
NEW_ACCOUNT_LO = 10**12
NEW_ACCOUNT_HI = 2 * 10**12
OTHER_FIELDS = ("telework_eligible", "work_schedule", "emergency_contact")


@dataclass(frozen=True)
class Change:
    """One change; people as indexes, `by`/`approver` -1 for nobody."""

    person: int
    field: str
    old: str | None
    new: str | None
    entered: int  # seconds since 1970-01-01 UTC
    effective: int  # day number
    by: int
    approver: int = -1


@dataclass
class ChangeLog:
    planted: list[Change] = field(default_factory=list)

    def add(self, change: Change) -> None:
        self.planted.append(change)


@dataclass
class _Rows:
    person: list[I64] = field(default_factory=list)
    fields: list[np.ndarray] = field(default_factory=list)
    old: list[pa.Array] = field(default_factory=list)
    new: list[pa.Array] = field(default_factory=list)
    entered: list[I64] = field(default_factory=list)
    effective: list[I64] = field(default_factory=list)
    by: list[I64] = field(default_factory=list)
    approver: list[I64] = field(default_factory=list)

    def add(self, person: I64, name: str | np.ndarray, old: pa.Array, new: pa.Array,
            entered: I64, effective: I64, by: I64, approver: I64) -> None:  # fmt: skip
        n = len(person)
        self.person.append(np.asarray(person, dtype=np.int64))
        self.fields.append(np.broadcast_to(np.asarray(name, dtype=object), (n,)))
        self.old.append(old.cast(pa.string()))
        self.new.append(new.cast(pa.string()))
        self.entered.append(np.asarray(entered, dtype=np.int64))
        self.effective.append(np.asarray(effective, dtype=np.int64))
        self.by.append(np.asarray(by, dtype=np.int64))
        self.approver.append(np.asarray(approver, dtype=np.int64))


def _others(rng: np.random.Generator, person: I64, n_roster: int, avoid: I64) -> I64:
    """A roster person for each row who is neither the row's person nor `avoid`."""
    pick = rng.integers(0, n_roster, size=len(person))
    for _ in range(3):
        bad = (pick == person) | (pick == avoid)
        pick = np.where(bad, (pick + 1) % n_roster, pick)
    return pick.astype(np.int64)


def _keyed_day(rng: np.random.Generator, effective: I64) -> I64:
    """Seconds: keyed in office hours one to ten days before the action takes effect."""
    days = effective - rng.integers(1, 11, size=len(effective))
    return days * 86_400 + rng.integers(8 * 3600, 17 * 3600, size=len(effective))


def _text(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(str).tolist() if len(values) else [], pa.string())


def background(rng: np.random.Generator, p: People, text: PersonText, plain: Bool) -> _Rows:
    """Background changes for `plain` people (roster, no plant); bends their pay and bank
    account in `p` so that payroll agrees with the log."""
    rows = _Rows()
    n_roster = p.n_roster
    paid = plain & (p.pay_first <= p.pay_last) & (np.arange(p.n) < n_roster)
    # A pay action takes effect at the start of a period inside the year's pay, after the first.
    span = (p.pay_last - p.pay_first).astype(np.int64)
    k_eff = p.pay_first + 1 + (rng.random(p.n) * np.maximum(span, 0)).astype(np.int64)
    can_act = paid & (span >= 1) & ~p.es
    roll = rng.random(p.n)
    for kind, who in (
        ("step", np.nonzero(can_act & (roll < 0.25) & (p.step >= 2))[0]),
        ("grade", np.nonzero(can_act & (roll >= 0.25) & (roll < 0.29) & (p.grade >= 6))[0]),
    ):
        eff = PERIOD_STARTS[k_eff[who]].astype(np.int64)
        entered = _keyed_day(rng, eff)
        clerk = _others(rng, who, n_roster, who)
        sup = p.supervisor[who].astype(np.int64)
        approver = np.where((sup >= 0) & (sup != clerk), sup, -1)
        approver = np.where(approver < 0, _others(rng, who, n_roster, clerk), approver)
        raise_to = 0.97 if kind == "step" else 0.88
        before = np.rint(p.salary[who] * raise_to).astype(np.int64)
        level = (p.step if kind == "step" else p.grade)[who].astype(np.int64)
        rows.add(who, kind, _text(level - 1), _text(level), entered, eff, clerk, approver)
        rows.add(who, "annual_salary", af.money(before * 100), af.money(p.salary[who] * 100),
                 entered, eff, clerk, approver)  # fmt: skip
        for i, k, cents in zip(
            who.tolist(), k_eff[who].tolist(), np.rint(before * 100 / 26).tolist(), strict=True
        ):
            p.early_gross[i] = (int(k), int(cents))

    leavers = np.nonzero(paid & (p.sep != NO_DATE))[0]
    eff = p.sep[leavers].astype(np.int64)
    clerk = _others(rng, leavers, n_roster, leavers)
    rows.add(leavers, "separation_date", pa.nulls(len(leavers), pa.string()),
             af.dates(eff), _keyed_day(rng, eff), eff, clerk,
             _others(rng, leavers, n_roster, clerk))  # fmt: skip

    # Self-service: keyed by the employee, no approval; it takes effect when keyed.
    self_service = paid & (span >= 2) & (rng.random(p.n) < 0.05)
    for name, share in (("bank_account", 0.6), ("home_address", 1.0)):
        pick = self_service & (rng.random(p.n) < share)
        self_service &= ~pick
        who = np.nonzero(pick)[0]
        k = k_eff[who]
        # Keyed on the Sunday after period k-1 ends: period k is the first paid to it.
        day_ = PERIOD_ENDS[k - 1].astype(np.int64) + 1
        entered = day_ * 86_400 + rng.integers(7 * 3600, 22 * 3600, size=len(who))
        none = np.full(len(who), -1, dtype=np.int64)
        if name == "bank_account":
            accounts = unique_ints(rng, NEW_ACCOUNT_LO, NEW_ACCOUNT_HI, len(who))
            routing = text.routing.take(pa.array(who))
            old = af.join(routing, text.account.take(pa.array(who)), sep=":")
            new = af.join(routing, af.ints(accounts), sep=":")
            for i, kk, r, a in zip(who.tolist(), k.tolist(), routing.to_pylist(),
                                   accounts.tolist(), strict=True):  # fmt: skip
                p.bank_from[i] = (int(kk), str(r), str(a))
        else:
            # The old address: where someone else on the roster lives (anyone's old flat).
            old = text.home.take(pa.array(_others(rng, who, n_roster, who)))
            new = text.home.take(pa.array(who))
        rows.add(who, name, old, new, entered, day_, who, none)

    # Edits of fields no rule judges, keyed by HR without approval.
    who = np.nonzero(paid & (rng.random(p.n) < 0.02))[0]
    eff = PERIOD_STARTS[k_eff[who]].astype(np.int64)
    names = np.array(OTHER_FIELDS, dtype=object)[rng.integers(0, len(OTHER_FIELDS), len(who))]
    rows.add(who, names, pa.array(["N"] * len(who)), pa.array(["Y"] * len(who)),
             _keyed_day(rng, eff), eff, _others(rng, who, n_roster, who),
             np.full(len(who), -1, dtype=np.int64))  # fmt: skip
    return rows


def _planted(rows: _Rows, planted: list[Change]) -> None:
    for c in planted:
        rows.add(np.array([c.person]), c.field, pa.array([c.old], pa.string()),
                 pa.array([c.new], pa.string()), np.array([c.entered]),
                 np.array([c.effective]), np.array([c.by]), np.array([c.approver]))  # fmt: skip


def _timestamps(seconds: I64) -> pa.Array:
    days, rest = np.divmod(seconds, 86_400)
    clock = (rest // 3600) * 10_000 + (rest % 3600 // 60) * 100 + rest % 60
    return af.join(af.dates(days).cast(pa.string()), af.pattern(clock, "T##:##:##Z"))


def hr_changes_table(rows: _Rows, planted: list[Change], text: PersonText) -> pa.Table:
    _planted(rows, planted)
    person = np.concatenate(rows.person)
    entered = np.concatenate(rows.entered)
    order = np.lexsort((person, entered))
    take = pa.array(order)

    def ids(idx: I64) -> pa.Array:
        valid = idx >= 0
        return af.if_else(
            valid[order], text.employee_id.take(pa.array(np.maximum(idx, 0)[order])),
            pa.nulls(len(order), pa.string()),
        )  # fmt: skip

    data = {
        "change_id": af.pattern(np.arange(1, len(order) + 1), "HC#########"),
        "employee_id": text.employee_id.take(pa.array(person[order])),
        "field": pa.array(np.concatenate(rows.fields)[order].tolist(), pa.string()),
        "old_value": pa.concat_arrays(rows.old).take(take),
        "new_value": pa.concat_arrays(rows.new).take(take),
        "entered_at": _timestamps(entered[order]),
        "effective_date": af.dates(np.concatenate(rows.effective)[order]),
        "entered_by": ids(np.concatenate(rows.by)),
        "approved_by": ids(np.concatenate(rows.approver)),
    }
    assert tuple(data) == HR_CHANGES.column_names
    return pa.table(data)
