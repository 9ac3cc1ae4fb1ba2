"""Payroll: one REGULAR payment per person per period worked, plus extra payments.

Payments are produced and written one pay period at a time (about one row per employee),
so memory stays bounded at 2.4M employees x 26 periods. Payment ids are numbered in file
order; rows of tracked (planted) people are kept so truth.json can cite their ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from headcount.contract.tables import PAYROLL
from headcount.synth import arrowfmt as af
from headcount.synth.columns import PersonText
from headcount.synth.common import (
    AWARD,
    I32,
    I64,
    LUMP_SUM_LEAVE,
    N_PERIODS,
    NO_DATE,
    PAY_DATE_LAG,
    PAYMENT_TYPES,
    PERIOD_ENDS,
    REGULAR,
    RETRO,
    Bool,
    IntArray,
)
from headcount.synth.people import People

SUPPLEMENTAL_RATE = 0.22  # flat federal withholding on supplemental wages (awards, lump sums)
# Order of a person's payments within a period, by payment type code: the base regular
# payment first, then a second (planted) regular one, retro, award, lump sum.
_SLOT_BY_TYPE = np.zeros(4, dtype=np.int64)
_SLOT_BY_TYPE[[REGULAR, RETRO, AWARD, LUMP_SUM_LEAVE]] = [1, 2, 3, 4]


@dataclass
class Extras:
    """Payments beyond the one regular payment per period (awards, lump sums, planted)."""

    person: list[I64] = field(default_factory=list)
    k: list[I64] = field(default_factory=list)
    ptype: list[I64] = field(default_factory=list)
    gross: list[I64] = field(default_factory=list)
    fed: list[I64] = field(default_factory=list)
    ret: list[I64] = field(default_factory=list)
    health: list[I64] = field(default_factory=list)

    def add(self, p: People, person: IntArray, k: IntArray, ptype: int, gross: IntArray) -> None:
        """Deductions follow the payment type: supplemental wages carry only federal tax."""
        person, k, gross = (np.asarray(x, dtype=np.int64) for x in (person, k, gross))
        if ptype in (AWARD, LUMP_SUM_LEAVE):
            fed = np.rint(gross * SUPPLEMENTAL_RATE)
            ret = np.zeros_like(gross)
            health = np.zeros_like(gross)
        elif ptype == RETRO:
            fed = np.rint(gross * p.fed_rate[person])
            ret = np.rint(gross * p.ret_rate[person])
            health = np.zeros_like(gross)
        else:
            fed = np.rint(gross * p.fed_rate[person])
            ret = np.rint(gross * p.ret_rate[person])
            health = p.health_cents[person].copy()
        self.person.append(person)
        self.k.append(k)
        self.ptype.append(np.full(len(person), ptype, dtype=np.int64))
        self.gross.append(gross)
        self.fed.append(np.asarray(fed, dtype=np.int64))
        self.ret.append(np.asarray(ret, dtype=np.int64))
        self.health.append(np.asarray(health, dtype=np.int64))

    def add_one(self, p: People, person: int, k: int, ptype: int, gross: int) -> None:
        self.add(p, np.array([person]), np.array([k]), ptype, np.array([gross]))

    def arrays(self) -> dict[str, I64]:
        cols = ("person", "k", "ptype", "gross", "fed", "ret", "health")
        out = {c: np.concatenate(getattr(self, c) or [np.empty(0, np.int64)]) for c in cols}
        order = np.lexsort((out["person"], out["k"]))
        return {c: v[order] for c, v in out.items()}


def background_extras(rng: np.random.Generator, p: People, plain: Bool, extras: Extras) -> None:
    """Lump-sum leave at separation, awards and retro pay for un-planted people."""
    paid = plain & (p.pay_first <= p.pay_last)
    hourly = p.salary / 2087.0
    leavers = np.nonzero(paid & (p.sep != NO_DATE))[0]  # every leaver cashes out leave
    hours = rng.integers(5, 31, size=len(leavers)) * 8
    extras.add(
        p,
        leavers,
        np.minimum(p.pay_last[leavers] + 1, N_PERIODS - 1),
        LUMP_SUM_LEAVE,
        np.rint(hours * hourly[leavers] * 100).astype(np.int64),
    )
    span = (p.pay_last - p.pay_first + 1).astype(np.int64)
    for ptype, share in ((AWARD, 0.04), (RETRO, 0.02)):
        who = np.nonzero(paid & (rng.random(p.n) < share))[0]
        k = p.pay_first[who] + (rng.random(len(who)) * span[who]).astype(np.int64)
        if ptype == AWARD:
            amounts = np.array([250, 500, 750, 1000, 1500, 2000, 2500, 3000, 5000]) * 100
            gross = rng.choice(amounts, size=len(who))
        else:
            gross = np.rint(p.gross_cents[who] * rng.uniform(0.01, 0.2, size=len(who)))
        extras.add(p, who, k, ptype, gross.astype(np.int64))


@dataclass(frozen=True)
class PersonPayments:
    """Payments of one tracked person, in file order."""

    num: I64  # payment number: payment_id is "P" + 9 digits
    k: I64
    ptype: I64
    gross: I64
    fed: I64
    ret: I64
    health: I64


def payment_id(num: int) -> str:
    return f"P{num:09d}"


@dataclass
class _Switch:
    """A per-person value that changes from some period on (planted cases)."""

    from_k: I32
    value: pa.Array

    @classmethod
    def of(cls, n: int, changes: dict[int, tuple[int, str]]) -> _Switch:
        from_k = np.full(n, N_PERIODS + 1, dtype=np.int32)
        pos = sorted(changes)
        for i in pos:
            from_k[i] = changes[i][0]
        value = af.patch(pa.nulls(n, pa.string()), pos, [changes[i][1] for i in pos])
        return cls(from_k, value)

    def apply(self, base: pa.Array, person: I64, k: int) -> pa.Array:
        on = self.from_k[person] <= k
        return af.if_else(on, self.value.take(pa.array(person)), base) if on.any() else base


def write_payroll(
    p: People,
    text: PersonText,
    extras: Extras,
    tracked: Bool,
    write: Callable[[pa.Table], None],
    progress: Callable[[int], None],
) -> tuple[int, dict[int, PersonPayments]]:
    """Stream payroll period by period; return the payment count and tracked people's rows."""
    ex = extras.arrays()
    ex_bounds = np.searchsorted(ex["k"], np.arange(N_PERIODS + 1))
    dashless = sorted(p.ssn_dashless_on_payments)
    pay_ssn = af.patch(text.ssn, dashless, [f"{p.ssn[i]:09d}" for i in dashless])
    ssn_switch = _Switch.of(p.n, p.pay_ssn_switch)
    payee_switch = _Switch.of(p.n, p.payee_switch)
    banks = (
        _Switch.of(p.n, {i: (k, routing) for i, (k, routing, _) in p.bank_from.items()}),
        _Switch.of(p.n, {i: (k, account) for i, (k, _, account) in p.bank_from.items()}),
    )
    gross_now = p.gross_cents
    early_until = np.zeros(p.n, dtype=np.int32)
    early = gross_now.copy()
    for i, (k0, cents) in p.early_gross.items():
        early_until[i], early[i] = k0, cents
    spike_k = np.full(p.n, -1, dtype=np.int32)
    spike = gross_now.copy()
    for i, (k0, cents) in p.spike.items():
        spike_k[i], spike[i] = k0, cents

    count = 0
    kept: list[dict[str, I64]] = []
    for k in range(N_PERIODS):
        reg = np.nonzero((p.pay_first <= k) & (p.pay_last >= k))[0].astype(np.int64)
        gross = np.where(k < early_until[reg], early[reg], gross_now[reg])
        gross = np.where(spike_k[reg] == k, spike[reg], gross)
        zero = p.no_withholding[reg]
        fed = np.where(zero, 0, np.rint(gross * p.fed_rate[reg])).astype(np.int64)
        ret = np.where(zero, 0, np.rint(gross * p.ret_rate[reg])).astype(np.int64)
        health = np.where(zero, 0, p.health_cents[reg]).astype(np.int64)
        lo, hi = ex_bounds[k], ex_bounds[k + 1]
        cols = {
            "person": np.concatenate([reg, ex["person"][lo:hi]]),
            "ptype": np.concatenate([np.zeros(len(reg), np.int64), ex["ptype"][lo:hi]]),
            "gross": np.concatenate([gross, ex["gross"][lo:hi]]),
            "fed": np.concatenate([fed, ex["fed"][lo:hi]]),
            "ret": np.concatenate([ret, ex["ret"][lo:hi]]),
            "health": np.concatenate([health, ex["health"][lo:hi]]),
        }
        slot = np.concatenate([np.zeros(len(reg), np.int64), _SLOT_BY_TYPE[ex["ptype"][lo:hi]]])
        order = np.argsort(cols["person"] * 8 + slot, kind="stable")
        cols = {c: v[order] for c, v in cols.items()}
        num = count + 1 + np.arange(len(order), dtype=np.int64)
        cols["num"] = num
        cols["k"] = np.full(len(order), k, dtype=np.int64)
        write(_period_table(p, text, cols, k, pay_ssn, ssn_switch, payee_switch, banks))
        keep = tracked[cols["person"]]
        if keep.any():
            kept.append({c: v[keep] for c, v in cols.items()})
        count += len(order)
        progress(k + 1)
    return count, _group(kept)


def _period_table(
    p: People,
    text: PersonText,
    cols: dict[str, I64],
    k: int,
    pay_ssn: pa.Array,
    ssn_switch: _Switch,
    payee_switch: _Switch,
    banks: tuple[_Switch, _Switch],
) -> pa.Table:
    person = cols["person"]
    idx = pa.array(person)
    n = len(person)
    end = int(PERIOD_ENDS[k])
    net = cols["gross"] - cols["fed"] - cols["ret"] - cols["health"]
    data = {
        "payment_id": af.pattern(cols["num"], "P#########"),
        "pay_period_end": af.dates(np.full(n, end, dtype=np.int32)),
        "pay_date": af.dates(np.full(n, end + PAY_DATE_LAG, dtype=np.int32)),
        "payment_type": pa.array(PAYMENT_TYPES).take(pa.array(cols["ptype"])),
        "employee_id": text.employee_id.take(idx),
        "ssn": ssn_switch.apply(pay_ssn.take(idx), person, k),
        "payee_name": payee_switch.apply(text.payee.take(idx), person, k),
        "gross_pay": af.money(cols["gross"]),
        "net_pay": af.money(net),
        "federal_tax": af.money(cols["fed"]),
        "retirement": af.money(cols["ret"]),
        "health_benefits": af.money(cols["health"]),
        "bank_routing": banks[0].apply(text.routing.take(idx), person, k),
        "bank_account": banks[1].apply(text.account.take(idx), person, k),
        "mailing_address": text.mailing.take(idx),
        "city": text.city.take(idx),
        "state": text.state.take(idx),
        "zip": text.zip.take(idx),
    }
    assert tuple(data) == PAYROLL.column_names
    return pa.table(data)


def _group(kept: list[dict[str, I64]]) -> dict[int, PersonPayments]:
    if not kept:
        return {}
    cols = {c: np.concatenate([d[c] for d in kept]) for c in kept[0]}
    order = np.argsort(cols["person"], kind="stable")  # stable keeps file order per person
    cols = {c: v[order] for c, v in cols.items()}
    people, starts = np.unique(cols["person"], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    out: dict[int, PersonPayments] = {}
    for j, person in enumerate(people.tolist()):
        s = slice(bounds[j], bounds[j + 1])
        out[person] = PersonPayments(
            num=cols["num"][s], k=cols["k"][s], ptype=cols["ptype"][s], gross=cols["gross"][s],
            fed=cols["fed"][s], ret=cols["ret"][s], health=cols["health"][s],
        )  # fmt: skip
    return out
