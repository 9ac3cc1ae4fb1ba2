"""Pay plants: duplicate payments, missing withholding, pay above the statutory cap."""

from __future__ import annotations

import numpy as np

from headcount.synth.common import (
    AWARD,
    ES_CAP,
    ES_CAP_PERIOD_CENTS,
    GS_CAP,
    GS_CAP_PERIOD_CENTS,
    REGULAR,
    RETRO,
    day,
)
from headcount.synth.payroll import PersonPayments
from headcount.synth.plants import Planter
from headcount.synth.truth import Plant, above_cap, duplicate_in_period, listed


def duplicate_payment(pl: Planter, count: int) -> None:
    """A second REGULAR payment for one period: the same amount again, or a different one."""
    p = pl.p
    for i in range(count):
        person = pl.one()
        k = int(pl.rng.integers(3, 23))
        gross = p.gross_of(person)
        if i % 2 == 0:
            variant, extra = "same_amount", gross
        else:
            variant, extra = "different_amount", round(gross * float(pl.rng.uniform(0.3, 0.9)))
        pl.extras.add_one(p, person, k, REGULAR, extra)
        pl.add(Plant("anomaly", "DUPLICATE_PAYMENT", [person], "high", variant,
                     "{n} regular payments for one pay period, ${amount} paid twice",
                     select=duplicate_in_period(person, k)))  # fmt: skip


def no_withholding(pl: Planter, count: int) -> None:
    """No federal tax, retirement or health benefits ever withheld."""
    p = pl.p
    for i in range(count):
        person = pl.one()
        variant = "full_year"
        if i % 2 == 1:
            variant = "new_hire"
            p.hire[person] = pl.day_between(day(2025, 3, 3), day(2025, 6, 27))
        p.no_withholding[person] = True
        pl.add(Plant("anomaly", "NO_WITHHOLDING", [person], "medium", variant,
                     "regular pay with no tax, retirement or health deduction"))  # fmt: skip


def waived_health(pl: Planter, count: int) -> None:
    for _ in range(count):
        person = pl.one()
        pl.p.health_cents[person] = 0
        pl.add(Plant("lookalike", "waived_health_benefits", [person], variant="health_0",
                     note="tax and retirement withheld, health benefits waived",
                     must_not_flag=("NO_WITHHOLDING",)))  # fmt: skip


def _make_gs15(pl: Planter, person: int, salary: int) -> None:
    p = pl.p
    p.es[person], p.grade[person], p.step[person], p.salary[person] = False, 15, 10, salary


def _make_es(pl: Planter, person: int, salary: int) -> None:
    p = pl.p
    p.es[person], p.grade[person], p.step[person], p.salary[person] = True, 0, 0, salary


def pay_above_cap(pl: Planter, count: int) -> None:
    """GS pay above Executive Schedule IV, ES pay above level II, or a raise past the cap."""
    rng = pl.rng
    for i in range(max(count, 3)):
        person = pl.one()
        variant = ("gs_above_cap", "es_above_cap", "gs_raise_past_cap")[i % 3]
        if variant == "es_above_cap":
            _make_es(pl, person, int(rng.integers(2263, 2420)) * 100)
            cap = ES_CAP_PERIOD_CENTS
        else:
            _make_gs15(pl, person, int(rng.integers(1953, 2150)) * 100)
            cap = GS_CAP_PERIOD_CENTS
        if variant == "gs_raise_past_cap":
            # Paid exactly at the cap until a mis-keyed raise in mid-year.
            pl.p.early_gross[person] = (int(rng.integers(8, 20)), GS_CAP_PERIOD_CENTS)
        pl.add(Plant("anomaly", "PAY_ABOVE_CAP", [person], "high", variant,
                     "{n} regular payments above the biweekly cap, ${amount} over",
                     select=above_cap(person, cap)))  # fmt: skip


def cap_lookalikes(pl: Planter, count: int) -> None:
    """Pay exactly at a cap, and senior executives above the GS cap but within the ES cap."""
    rng = pl.rng
    for _ in range(count):
        person = pl.one()
        _make_gs15(pl, person, GS_CAP)
        pl.add(Plant("lookalike", "gs15_at_cap", [person], variant="exactly_195200",
                     note="GS-15 paid exactly at the cap", must_not_flag=("PAY_ABOVE_CAP",)))  # fmt: skip
    for i in range(count):
        person = pl.one()
        salary = ES_CAP if i % 2 == 0 else int(rng.integers(1953, 2257)) * 100
        _make_es(pl, person, salary)
        pl.add(Plant("lookalike", "senior_executive_above_gs_cap", [person],
                     variant="es_at_es_cap" if salary == ES_CAP else "es_between_caps",
                     note=f"ES salary ${salary:,} is above the GS cap but within the ES cap",
                     must_not_flag=("PAY_ABOVE_CAP",)))  # fmt: skip


def award_and_retro(pl: Planter, count: int) -> None:
    """An award or retro payment beside the regular payment of the same period."""
    p = pl.p
    for ptype, kind in ((AWARD, "award_same_period"), (RETRO, "retro_same_period")):
        for _ in range(count):
            person = pl.one()
            k = int(pl.rng.integers(0, 26))
            gross = 150_000 if ptype == AWARD else p.gross_of(person) // 20
            pl.extras.add_one(p, person, k, ptype, gross)

            def keep(r: PersonPayments, k: int = k) -> np.ndarray:
                return np.asarray(r.k == k)

            pl.add(Plant("lookalike", kind, [person], variant=kind.split("_")[0],
                         note="a regular and a supplemental payment in one period",
                         must_not_flag=("DUPLICATE_PAYMENT",), select=listed([person], keep)))  # fmt: skip
