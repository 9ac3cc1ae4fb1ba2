"""Separation and death plants: pay that runs past the end of service or of life."""

from __future__ import annotations

import calendar
import dataclasses
import functools

import numpy as np

from headcount.synth.common import (
    LUMP_SUM_LEAVE,
    N_PERIODS,
    PERIOD_ENDS,
    PERIOD_STARTS,
    REGULAR,
    Bool,
    day,
    iso,
    period_containing,
    to_date,
)
from headcount.synth.deaths import DeathRecord
from headcount.synth.names_edit import (
    distinct_nickname,
    given_equivalent,
    surname_equivalent,
    transposition,
    typo,
)
from headcount.synth.payroll import PersonPayments
from headcount.synth.plants import Planter
from headcount.synth.truth import Plant, listed, regular_after
from headcount.synth.vocab import names

DEATH_VARIANTS = (
    "exact", "surname_typo", "upper_case", "partial_date_of_death", "nickname_no_dob",
    "surname_transposition_no_dob",
)  # fmt: skip
CONFLICT_VARIANTS = ("nothing_agrees", "dob_only", "surname_only")


def _lump(pl: Planter, person: int, k: int) -> None:
    hours = int(pl.rng.integers(5, 31)) * 8
    cents = round(float(hours * pl.p.salary[person]) / 2087.0 * 100)
    pl.extras.add_one(pl.p, person, min(k, N_PERIODS - 1), LUMP_SUM_LEAVE, cents)


def paid_after_separation(pl: Planter, count: int) -> None:
    """Regular pay keeps coming after the roster's separation date."""
    for i in range(count):
        person = pl.one(pl.unfed)
        sep = pl.day_between(day(2025, 3, 3), day(2025, 9, 26))
        pl.p.sep[person] = sep
        k_sep = period_containing(sep)
        if i % 2 == 0:
            variant, last = "paid_to_year_end", N_PERIODS - 1
        else:
            variant, last = "paid_three_more_periods", k_sep + 3
            _lump(pl, person, last + 1)
        pl.p.pay_range[person] = (0, last)
        pl.add(Plant("anomaly", "PAID_AFTER_SEPARATION", [person], "high", variant,
                     f"separated {iso(sep)}, then paid {{n}} more periods: ${{amount}}",
                     select=regular_after(person, sep)))  # fmt: skip


def separation_lookalikes(pl: Planter, count: int) -> None:
    """Proper endings: final pay for the period holding the separation date, then a lump sum."""
    for i in range(count * 3):
        person = pl.one()
        k = int(pl.rng.integers(4, 24))
        variant = ("mid_period", "on_period_start", "on_period_end")[i % 3]
        sep = {
            "mid_period": int(PERIOD_STARTS[k]) + int(pl.rng.integers(1, 13)),
            "on_period_start": int(PERIOD_STARTS[k]),
            "on_period_end": int(PERIOD_ENDS[k]),
        }[variant]
        pl.p.sep[person] = sep
        _lump(pl, person, k + 1)

        def final(r: PersonPayments, k: int = k) -> np.ndarray:
            return np.asarray((r.k == k) & (r.ptype == REGULAR))

        pl.add(Plant("lookalike", "final_pay_in_separation_period", [person], variant=variant,
                     note=f"separated {iso(sep)}; last regular pay is for the period holding it",
                     must_not_flag=("PAID_AFTER_SEPARATION",), select=listed([person], final)))  # fmt: skip
    for _ in range(count):
        person = pl.one()
        k = int(pl.rng.integers(4, 24))
        pl.p.sep[person] = int(PERIOD_STARTS[k]) + int(pl.rng.integers(0, 14))
        _lump(pl, person, k + 1)

        def lump(r: PersonPayments) -> np.ndarray:
            return np.asarray(r.ptype == LUMP_SUM_LEAVE)

        pl.add(Plant("lookalike", "lump_sum_after_separation", [person], variant="annual_leave",
                     note="annual leave paid out after separation is proper",
                     must_not_flag=("PAID_AFTER_SEPARATION",), select=listed([person], lump)))  # fmt: skip


def ymd(d: int) -> tuple[int, int, int]:
    x = to_date(d)
    return x.year, x.month, x.day


def _record(pl: Planter, person: int, variant: str, dod: tuple[int, int, int]) -> DeathRecord:
    first, middle, last = pl.first(person), pl.middle(person), pl.last(person)
    dob: tuple[int, int, int] | None = ymd(int(pl.p.dob[person]))
    if variant == "surname_typo":
        last = typo(pl.rng, last)
    elif variant == "upper_case":
        first, last, middle = first.upper(), last.upper(), middle.upper() if middle else None
    elif variant == "nickname_no_dob":
        first, dob = distinct_nickname(first) or first, None
    elif variant == "surname_transposition_no_dob":
        last, dob = transposition(last), None
    return DeathRecord(int(pl.p.ssn[person]), last, first, middle, dod, dob)


@functools.cache
def has_nickname() -> np.ndarray:
    """Per given-name vocabulary entry: has a nickname usable for the nickname variant."""
    return np.array([distinct_nickname(n) is not None for n in names().first])


def paid_after_death(
    pl: Planter, count: int, early: bool = False, where: Bool | None = None
) -> list[int]:
    """Pay that continues after a matching death record (early: died before the campaign)."""
    p = pl.p
    base = pl.unfed if where is None else where & pl.unfed
    nick = has_nickname()
    out: list[int] = []
    for i in range(count if early else max(count, len(DEATH_VARIANTS))):
        variant = "exact" if early else DEATH_VARIANTS[i % len(DEATH_VARIANTS)]
        person = pl.one(base & nick[p.first] if variant == "nickname_no_dob" else base)
        if early:
            died = pl.day_between(day(2025, 1, 13), day(2025, 2, 12))
        else:
            died = pl.day_between(day(2025, 3, 3), day(2025, 9, 26))
        dod = ymd(died)
        effective = died
        if variant == "partial_date_of_death":
            y, m, _ = dod
            dod = (y, m, 0)  # the day is unknown: the last day of the month is assumed
            effective = day(y, m, calendar.monthrange(y, m)[1])
        p.death[person] = died
        # Every other death is confirmed: by a state record (deaths.csv) and SSA's proof
        # code (DMF); the rest rest on one source that SSA must confirm.
        corroborated = i % 2 == 0
        record = dataclasses.replace(
            _record(pl, person, variant, dod), proof="P" if corroborated else " "
        )
        pl.deaths.append(record)
        if corroborated:
            pl.deaths.append(dataclasses.replace(record, source="STATE"))
        pl.add(Plant("anomaly", "PAID_AFTER_DEATH", [person], "high", variant,
                     f"death recorded {'-'.join(f'{x:02d}' for x in dod)}; "
                     "paid {n} periods starting after it: ${amount}",
                     select=regular_after(person, effective),
                     facts={"corroborated": corroborated}))  # fmt: skip
        out.append(person)
    return out


def _unrelated_first(pl: Planter, name: str) -> str:
    vocab = names().first
    while True:
        cand = vocab[int(pl.rng.integers(0, len(vocab)))]
        if not given_equivalent(cand, name):
            return cand


def _unrelated_last(pl: Planter, name: str) -> str:
    vocab = names().last
    while True:
        cand = vocab[int(pl.rng.integers(0, len(vocab)))]
        if not surname_equivalent(cand, name):
            return cand


def death_record_conflict(pl: Planter, count: int) -> None:
    """A death record under the roster SSN for somebody else: a mis-keyed SSN, person alive."""
    p = pl.p
    for i in range(max(count, len(CONFLICT_VARIANTS))):
        variant = CONFLICT_VARIANTS[i % len(CONFLICT_VARIANTS)]
        person = pl.one()
        pl.no_reply[person] = True  # keep check-ins out of this one's story
        first = _unrelated_first(pl, pl.first(person))
        last = (
            pl.last(person) if variant == "surname_only" else _unrelated_last(pl, pl.last(person))
        )
        dob = int(p.dob[person])
        if variant != "dob_only":
            dob -= int(pl.rng.integers(20, 40)) * 365 + int(pl.rng.integers(1, 300))
        died = pl.day_between(day(2024, 2, 1), day(2025, 10, 31))
        pl.deaths.append(DeathRecord(int(p.ssn[person]), last.upper(), first.upper(), None,
                                     ymd(died), ymd(dob), "V"))  # fmt: skip
        pl.add(Plant("anomaly", "DEATH_RECORD_CONFLICT", [person], "low", variant,
                     "a death record under this SSN names someone else"))  # fmt: skip
        pl.add(Plant("lookalike", "mis_keyed_death_record", [person], variant=variant,
                     note="death record under the SSN disagrees on name and birth date",
                     must_not_flag=("PAID_AFTER_DEATH",)))  # fmt: skip


def death_lookalikes(pl: Planter, count: int) -> None:
    """Pay that stops properly at death, including with a month-only date of death."""
    p = pl.p
    for _ in range(count):
        person = pl.one()
        k = int(pl.rng.integers(8, 22))
        died = int(PERIOD_STARTS[k]) + int(pl.rng.integers(0, 14))
        p.death[person], p.sep[person] = died, died
        _lump(pl, person, k + 1)
        pl.deaths.append(_record(pl, person, "exact", ymd(died)))

        def final(r: PersonPayments, k: int = k) -> np.ndarray:
            return np.asarray((r.k == k) & (r.ptype == REGULAR))

        pl.add(Plant("lookalike", "final_pay_in_period_of_death", [person], variant="exact",
                     note=f"died {iso(died)}; paid for that period only, then pay stopped",
                     must_not_flag=("PAID_AFTER_DEATH", "PAID_AFTER_SEPARATION"),
                     select=listed([person], final)))  # fmt: skip
    for _ in range(count):
        person = pl.one()
        month = int(pl.rng.integers(4, 11))
        month_end = day(2025, month, calendar.monthrange(2025, month)[1])
        starts = [int(s) for s in PERIOD_STARTS if day(2025, month, 1) <= s <= month_end]
        died = max(day(2025, month, 1), starts[-1] - int(pl.rng.integers(1, 6)))
        p.death[person] = died
        p.pay_range[person] = (0, period_containing(month_end))
        pl.deaths.append(_record(pl, person, "exact", (2025, month, 0)))

        def in_month(r: PersonPayments, died: int = died, end: int = month_end) -> np.ndarray:
            s = PERIOD_STARTS[r.k]
            return np.asarray((s > died) & (s <= end) & (r.ptype == REGULAR))

        pl.add(Plant("lookalike", "partial_date_of_death", [person], variant="day_00",
                     note=f"death recorded as 2025-{month:02d}-00, which counts as "
                     f"{iso(month_end)}; periods starting in that month are not after it",
                     must_not_flag=("PAID_AFTER_DEATH",), select=listed([person], in_month)))  # fmt: skip
