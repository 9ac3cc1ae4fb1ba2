"""Ghost-employee plants in the change log and the pay: a bank account switched after the
person left or died, pay changes nobody else checked, a paycheck that doubles overnight;
each with the proper look-alikes the data contract names."""

from __future__ import annotations

import dataclasses

import numpy as np

from headcount.synth.common import (
    AWARD,
    LUMP_SUM_LEAVE,
    N_PERIODS,
    PERIOD_ENDS,
    PERIOD_STARTS,
    REGULAR,
    day,
    iso,
    period_containing,
)
from headcount.synth.deaths import DeathRecord
from headcount.synth.hr_changes import NEW_ACCOUNT_HI, Change
from headcount.synth.plants import Planter
from headcount.synth.plants_life import ymd
from headcount.synth.truth import Paid, Plant, Selector, regular_after

HOUR = 3600


def _someone(pl: Planter, *avoid: int) -> int:
    """Any roster person other than `avoid`: an HR specialist or a supervisor."""
    while True:
        c = int(pl.rng.integers(0, pl.p.n_roster))
        if c not in avoid:
            return c


def _at(day_: int, hour: int) -> int:
    return day_ * 86_400 + hour * HOUR


def from_period(person: int, k0: int) -> Selector:
    """Every payment from period k0 on; their gross is at risk."""

    def sel(paid: Paid) -> tuple[list[int], int]:
        r = paid[person]
        hit = r.k >= k0
        return r.num[hit].tolist(), int(r.gross[hit].sum())

    return sel


def _switch_bank(pl: Planter, person: int, k: int, entered: int, by: int) -> None:
    """A bank_account change keyed at `entered`; pay goes to the new account from period k."""
    # 13 digits above every account the background opens; one change per person at most.
    routing, account = pl.routing_text(person), str(NEW_ACCOUNT_HI + 1 + person)
    old = f"{routing}:{int(pl.p.account[person])}"
    pl.p.bank_from[person] = (k, routing, account)
    pl.changes.add(Change(person, "bank_account", old, f"{routing}:{account}", entered,
                          entered // 86_400, by))  # fmt: skip


def _lump_sum(pl: Planter, person: int, k: int) -> None:
    cents = round(int(pl.rng.integers(5, 31)) * 8 * float(pl.p.salary[person]) / 2087.0 * 100)
    pl.extras.add_one(pl.p, person, k, LUMP_SUM_LEAVE, cents)


def bank_change_after_exit(pl: Planter, count: int) -> None:
    """After separation (its leave payout diverted) or after death (pay runs on, diverted)."""
    p = pl.p
    for i in range(max(count, 2)):
        if i % 2 == 0:
            person = pl.one()
            k = int(pl.rng.integers(4, 20))
            p.sep[person] = int(PERIOD_STARTS[k]) + int(pl.rng.integers(0, 14))
            _lump_sum(pl, person, k + 1)
            # Keyed the day after the final regular pay date: only the payout is diverted.
            entered = _at(int(PERIOD_ENDS[k]) + 7, 10)
            by = person if i % 4 == 0 else _someone(pl, person)
            _switch_bank(pl, person, k + 1, entered, by)
            pl.add(Plant("anomaly", "BANK_CHANGE_AFTER_EXIT", [person], "high",
                         "separated_payout_diverted",
                         f"separated {iso(int(p.sep[person]))}; account changed after it, "
                         "then ${amount} paid into the new account",
                         select=from_period(person, k + 1)))  # fmt: skip
            continue
        person = pl.one(pl.unfed)
        died = pl.day_between(day(2025, 3, 3), day(2025, 8, 29))
        p.death[person] = died
        record = DeathRecord(int(p.ssn[person]), pl.last(person).upper(),
                             pl.first(person).upper(), None, ymd(died), ymd(int(p.dob[person])),
                             proof="P")  # fmt: skip
        pl.deaths += [record, dataclasses.replace(record, source="STATE")]
        k = period_containing(died) + 2
        _switch_bank(pl, person, k, _at(int(PERIOD_ENDS[k - 1]) + 1, 9), _someone(pl, person))
        pl.add(Plant("anomaly", "PAID_AFTER_DEATH", [person], "high", "bank_changed_after_death",
                     f"died {iso(died)}; paid {{n}} periods starting after it: ${{amount}}",
                     select=regular_after(person, died),
                     facts={"corroborated": True}))  # fmt: skip
        pl.add(Plant("anomaly", "BANK_CHANGE_AFTER_EXIT", [person], "high", "died_pay_diverted",
                     f"died {iso(died)}; account changed after it, then {{n}} payments "
                     "(${amount}) into the new account",
                     select=from_period(person, k)))  # fmt: skip


def bank_change_lookalikes(pl: Planter, count: int) -> None:
    p = pl.p
    for _ in range(count):
        person = pl.one()
        k = int(pl.rng.integers(6, 20))
        _switch_bank(pl, person, k, _at(int(PERIOD_ENDS[k - 1]) + 1, 20), person)
        p.sep[person] = int(PERIOD_STARTS[k + 1]) + int(pl.rng.integers(0, 14))
        _lump_sum(pl, person, k + 2)
        pl.add(Plant("lookalike", "bank_change_before_exit", [person], variant="self_service",
                     note="own account changed while still employed; final pay and payout "
                     "go to it", must_not_flag=("BANK_CHANGE_AFTER_EXIT",
                                                "SELF_APPROVED_CHANGE")))  # fmt: skip
        person = pl.one()
        k = int(pl.rng.integers(4, 20))
        p.sep[person] = int(PERIOD_STARTS[k]) + int(pl.rng.integers(0, 14))
        # No payout after the change: the new account is never paid.
        _switch_bank(pl, person, N_PERIODS, _at(int(PERIOD_ENDS[k]) + 9, 11), person)
        pl.add(Plant("lookalike", "bank_change_after_exit_unpaid", [person], variant="unused",
                     note="account changed after leaving, but nothing was paid into it",
                     must_not_flag=("BANK_CHANGE_AFTER_EXIT",)))  # fmt: skip


PAY_FIELDS = ("annual_salary", "grade", "separation_date")


def self_approved_change(pl: Planter, count: int) -> None:
    """A pay or separation change keyed or approved by its subject, or by one user alone."""
    p = pl.p
    for i in range(max(count, 3)):
        person = pl.one()
        variant = ("salary_keyed_by_employee", "grade_approved_by_employee",
                   "separation_removed_by_one_user")[i % 3]  # fmt: skip
        k = int(pl.rng.integers(3, 22))
        eff = int(PERIOD_STARTS[k])
        entered = _at(eff - int(pl.rng.integers(1, 8)), 15)
        clerk = _someone(pl, person)
        if i % 3 == 0:
            salary = int(p.salary[person])
            change = Change(person, "annual_salary", f"{round(salary * 0.9)}.00",
                            f"{salary}.00", entered, eff, person, _someone(pl, person, clerk))  # fmt: skip
        elif i % 3 == 1:
            grade = int(p.grade[person])
            change = Change(person, "grade", str(grade - 1), str(grade), entered, eff, clerk,
                            person)  # fmt: skip
        else:
            change = Change(person, "separation_date", iso(eff + 30), None, entered, eff, clerk,
                            clerk)  # fmt: skip
        pl.changes.add(change)
        pl.add(Plant("anomaly", "SELF_APPROVED_CHANGE", [person], "medium", variant,
                     f"{change.field} change with no independent check"))  # fmt: skip


def self_approved_lookalikes(pl: Planter, count: int) -> None:
    p = pl.p
    for _ in range(count):
        person = pl.one()
        k = int(pl.rng.integers(3, 22))
        _switch_bank(pl, person, k, _at(int(PERIOD_ENDS[k - 1]) + 1, 19), person)
        eff = int(PERIOD_STARTS[k])
        pl.changes.add(Change(person, "home_address", "1 Old Road", pl.home_line(person),
                              _at(eff, 20), eff, person))  # fmt: skip
        pl.add(Plant("lookalike", "self_service_changes", [person], variant="bank_and_address",
                     note="own bank account and home address changed through self-service",
                     must_not_flag=("SELF_APPROVED_CHANGE", "BANK_CHANGE_AFTER_EXIT")))  # fmt: skip
        person = pl.one(np.asarray(p.step >= 2, dtype=bool))
        clerk = _someone(pl, person)
        salary = int(p.salary[person])
        eff = int(PERIOD_STARTS[int(pl.rng.integers(3, 22))])
        pl.changes.add(Change(person, "step", str(int(p.step[person]) - 1), str(int(p.step[person])),
                              _at(eff - 3, 11), eff, clerk, _someone(pl, person, clerk)))  # fmt: skip
        pl.changes.add(Change(person, "annual_salary", f"{round(salary * 0.97)}.00", f"{salary}.00",
                              _at(eff - 3, 11), eff, clerk, _someone(pl, person, clerk)))  # fmt: skip
        pl.add(Plant("lookalike", "pay_change_two_people", [person], variant="keyed_and_approved",
                     note="a step increase keyed by HR and approved by someone else",
                     must_not_flag=("SELF_APPROVED_CHANGE",)))  # fmt: skip


def _spike_amount(person: int, k: int) -> Selector:
    """The spiking payment; at risk: its excess over the median of the earlier ones."""

    def sel(paid: Paid) -> tuple[list[int], int]:
        r = paid[person]
        hit = (r.ptype == REGULAR) & (r.k == k)
        median = float(np.median(r.gross[(r.ptype == REGULAR) & (r.k < k)]))
        return r.num[hit].tolist(), int(r.gross[hit].sum()) - round(median)

    return sel


def _modest(pl: Planter) -> np.ndarray:
    """Pay low enough that three times it stays under the biweekly cap."""
    return np.asarray(pl.p.salary < 60_000, dtype=bool)


def pay_spike(pl: Planter, count: int) -> None:
    p = pl.p
    for i in range(count):
        person = pl.one(_modest(pl))
        k = int(pl.rng.integers(8, 24))
        factor = 2.5 if i % 2 == 0 else 3.0
        p.spike[person] = (k, round(p.gross_of(person) * factor))
        pl.add(Plant("anomaly", "PAY_SPIKE", [person], "medium", f"times_{factor:g}",
                     f"one regular payment {factor:g} times the usual; ${{amount}} over it",
                     select=_spike_amount(person, k)))  # fmt: skip


def pay_spike_lookalikes(pl: Planter, count: int) -> None:
    p = pl.p
    for _ in range(count):
        person = pl.one(_modest(pl))
        k = int(pl.rng.integers(6, 22))
        before = round(int(p.salary[person]) / 2.3)
        p.early_gross[person] = (k, round(before * 100 / 26))
        clerk = _someone(pl, person)
        eff = int(PERIOD_STARTS[k])
        pl.changes.add(Change(person, "annual_salary", f"{before}.00", f"{int(p.salary[person])}.00",
                              _at(eff - 5, 10), eff, clerk, _someone(pl, person, clerk)))  # fmt: skip
        pl.add(Plant("lookalike", "promotion_doubling_pay", [person], variant="pay_action",
                     note="pay more than doubled by a recorded pay action: the window restarts",
                     must_not_flag=("PAY_SPIKE", "SELF_APPROVED_CHANGE")))  # fmt: skip
        person = pl.one(_modest(pl))
        k = int(pl.rng.integers(6, 24))
        pl.extras.add_one(p, person, k, AWARD, p.gross_of(person) * 3)
        pl.add(Plant("lookalike", "large_award", [person], variant="award_not_regular",
                     note="an award three times a paycheck: not a regular payment",
                     must_not_flag=("PAY_SPIKE",)))  # fmt: skip
