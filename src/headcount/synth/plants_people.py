"""Person plants: one human on the roster twice, and people who only look alike.

A duplicate is a second roster record (its own employee number, SSN, bank account and pay)
copied from a first and then bent the way real double entries differ. The look-alikes are
the cases a linkage model must leave apart: twins, spouses, strangers with a common name.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from headcount.synth.common import PERIOD_STARTS, REGULAR, day, to_date
from headcount.synth.deaths import DeathRecord
from headcount.synth.names_edit import distinct_nickname, given_equivalent, typo
from headcount.synth.payroll import PersonPayments
from headcount.synth.plants import Planter
from headcount.synth.plants_identity import swap_adjacent
from headcount.synth.plants_life import has_nickname, ymd
from headcount.synth.truth import Plant, listed
from headcount.synth.vocab import names

# A duplicate who moved is planted by plants_movers.py, with what a mover keeps.
DUPLICATE_VARIANTS = ("nickname", "surname_typo", "transposed_birth_date", "different_ssn")
ADDRESS = ("bldg", "street", "apt", "city", "zip", "po_box")


def _copy(pl: Planter, src: int, dst: int, columns: tuple[str, ...]) -> None:
    for col in columns:
        getattr(pl.p, col)[dst] = getattr(pl.p, col)[src]


def _transposed(d: int) -> int:
    x = to_date(d)
    return day(x.year, x.day, x.month)


def _swappable(dob: int) -> bool:
    x = to_date(dob)
    return x.day <= 12 and x.day != x.month


def _elsewhere(city: np.ndarray, a: int) -> Callable[[int], bool]:
    def ok(c: int) -> bool:
        return bool(city[c] != city[a])

    return ok


def _other_sex(female: np.ndarray, a: int) -> Callable[[int], bool]:
    def ok(c: int) -> bool:
        return bool(female[c] != female[a])

    return ok


def _stranger(city: np.ndarray, dob: np.ndarray, a: int) -> Callable[[int], bool]:
    """Lives elsewhere and was born more than two years apart."""

    def ok(c: int) -> bool:
        return bool(city[c] != city[a] and abs(int(dob[c]) - int(dob[a])) > 800)

    return ok


def duplicate_person(pl: Planter, count: int) -> None:
    """A second roster record for one person, under another SSN and employee number."""
    p = pl.p
    nick = has_nickname()
    for i in range(max(count, len(DUPLICATE_VARIANTS))):
        variant = DUPLICATE_VARIANTS[i % len(DUPLICATE_VARIANTS)]
        if variant == "nickname":
            a = pl.one(nick[p.first])
        elif variant == "transposed_birth_date":
            a = pl.one(lambda c: _swappable(int(p.dob[c])))
        else:
            a = pl.one()
        b = pl.one(_elsewhere(p.city, a))
        _copy(pl, a, b, ("first", "middle", "last", "female", "dob", *ADDRESS))
        if variant == "nickname":
            p.first_text[b] = distinct_nickname(pl.first(a)) or pl.first(a)
        elif variant == "surname_typo":
            p.last_text[b] = typo(pl.rng, pl.last(a))
        elif variant == "transposed_birth_date":
            p.dob[b] = _transposed(int(p.dob[a]))
        pl.add(Plant("anomaly", "DUPLICATE_PERSON", [a, b], "medium", variant,
                     f"one person on the roster twice ({variant.replace('_', ' ')}), "
                     "with a different SSN"))  # fmt: skip


def _other_first(pl: Planter, person: int, avoid: str) -> int:
    """A given name for `person` (of their sex) that is not equivalent to `avoid`."""
    nm = names()
    weights = nm.p_female if pl.p.female[person] else nm.p_male
    while True:
        cand = int(pl.rng.choice(len(nm.first), p=weights))
        if not given_equivalent(nm.first[cand], avoid):
            return cand


def twins(pl: Planter, count: int) -> None:
    """Twins: same surname, birth date and home address; given names not equivalent."""
    p = pl.p
    for _ in range(count):
        a = pl.one()
        b = pl.one()
        _copy(pl, a, b, ("last", "dob", *ADDRESS))
        p.first[b] = _other_first(pl, b, pl.first(a))
        pl.add(Plant("lookalike", "twins", [a, b], variant="same_address",
                     note="twins: same surname, birth date and address, different given names",
                     must_not_flag=("DUPLICATE_PERSON",)))  # fmt: skip


def spouses(pl: Planter, count: int) -> None:
    """Spouses: same surname and home address, their own names, birth dates and accounts."""
    p = pl.p
    for _ in range(count):
        a = pl.one()
        b = pl.one(_other_sex(p.female, a))
        _copy(pl, a, b, ("last", *ADDRESS))
        p.first[b] = _other_first(pl, b, pl.first(a))
        p.dob[b] = p.dob[a] + int(pl.rng.integers(400, 3000)) * (1 if pl.rng.random() < 0.5 else -1)
        pl.add(Plant("lookalike", "spouses", [a, b], variant="same_address",
                     note="spouses: same surname and address, different given names and birth dates",
                     must_not_flag=("DUPLICATE_PERSON",)))  # fmt: skip


def common_name_strangers(pl: Planter, count: int) -> None:
    """Two strangers with the most common given name and surname, born years apart."""
    p = pl.p
    nm = names()
    first = (int(np.argmax(nm.p_male)), int(np.argmax(nm.p_female)))
    last = int(np.argmax(nm.p_last))
    for i in range(count):
        a = pl.one()
        b = pl.one(_stranger(p.city, p.dob, a))
        for person in (a, b):
            p.female[person] = bool(i % 2)
            p.first[person] = first[i % 2]
            p.last[person] = last
        pl.add(Plant("lookalike", "common_name_strangers", [a, b], variant="same_name",
                     note="two people with the same common name, different birth dates and addresses",
                     must_not_flag=("DUPLICATE_PERSON",)))  # fmt: skip


def possible_death_match(pl: Planter, count: int) -> None:
    """A death record with the employee's name and birth date under a mistyped SSN."""
    p = pl.p
    for _ in range(count):
        person = pl.one(pl.unfed)
        died = pl.day_between(day(2025, 3, 3), day(2025, 9, 26))
        record_ssn = swap_adjacent(pl, int(p.ssn[person]))
        record = DeathRecord(
            record_ssn, pl.last(person).upper(), pl.first(person).upper(), None, ymd(died),
            ymd(int(p.dob[person])),
        )  # fmt: skip
        pl.deaths.append(record)

        def after(r: PersonPayments, died: int = died) -> np.ndarray:
            return np.asarray((r.ptype == REGULAR) & (PERIOD_STARTS[r.k] > died))

        pl.add(Plant("anomaly", "POSSIBLE_DEATH_MATCH", [person], "low", "ssn_transposed",
                     "a death record matches name and birth date under a mistyped SSN",
                     select=listed([person], after)))  # fmt: skip
