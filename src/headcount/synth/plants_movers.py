"""People who moved, and strangers who share a name and a birthday.

A mover is one person on the roster twice: the second record (its own employee number and
SSN) has the same names and birth date but a new home address in another city, and keeps
one thing a mover keeps — the same work email, the same supervisor (and organisation),
or an SSN keyed with one digit wrong or two neighbouring digits swapped. A linkage model
that weighs those finds them; one that weighs names and birth date alone cannot tell them
from the look-alike planted beside them: two strangers with the same given name, surname
and birth date, living apart, sharing nothing else, who must stay two people.
"""

from __future__ import annotations

from collections.abc import Callable

from headcount.synth.plants import Planter
from headcount.synth.plants_identity import swap_adjacent
from headcount.synth.truth import Plant

MOVER_VARIANTS = ("same_work_email", "same_supervisor", "ssn_one_digit", "ssn_transposed")
ADDRESS = ("bldg", "street", "apt", "city", "zip", "po_box")


def _apart(pl: Planter, a: int, same_sex: bool = False) -> Callable[[int], bool]:
    p = pl.p

    def ok(c: int) -> bool:
        return bool(p.city[c] != p.city[a] and (not same_sex or p.female[c] == p.female[a]))

    return ok


def _one_digit(pl: Planter, ssn: int) -> int:
    digits = list(f"{ssn:09d}")
    i = int(pl.rng.integers(3, 9))  # keep the area: the number stays a valid one
    digits[i] = str((int(digits[i]) + int(pl.rng.integers(1, 10))) % 10)
    return int("".join(digits))


def movers(pl: Planter, count: int) -> None:
    """A second record for one person at a new address, keeping one piece of evidence."""
    p = pl.p
    for i in range(max(count, len(MOVER_VARIANTS))):
        variant = MOVER_VARIANTS[i % len(MOVER_VARIANTS)]
        a = pl.one((p.supervisor >= 0) if variant == "same_supervisor" else None)
        b = pl.one(_apart(pl, a))
        for col in ("first", "middle", "last", "female", "dob"):
            getattr(p, col)[b] = getattr(p, col)[a]
        if variant == "same_work_email":
            p.agency[b] = p.agency[a]
            p.email_same_as[b] = a
        elif variant == "same_supervisor":
            for col in ("agency", "org", "supervisor"):
                getattr(p, col)[b] = getattr(p, col)[a]
        elif variant == "ssn_one_digit":
            p.ssn[b] = _one_digit(pl, int(p.ssn[a]))
        else:
            p.ssn[b] = swap_adjacent(pl, int(p.ssn[a]))
        pl.add(Plant("anomaly", "DUPLICATE_PERSON", [a, b], "medium", f"moved_{variant}",
                     "one person on the roster twice after a move (new address, new SSN), "
                     f"keeping {variant.replace('_', ' ')}"))  # fmt: skip


def namesakes(pl: Planter, count: int) -> None:
    """Two strangers with the same given name, surname and birth date, living apart."""
    p = pl.p
    for _ in range(count):
        a = pl.one()
        b = pl.one(_apart(pl, a, same_sex=True))
        for col in ("first", "last", "dob"):
            getattr(p, col)[b] = getattr(p, col)[a]
        while p.middle[b] == p.middle[a]:
            p.middle[b] = int(pl.rng.integers(0, int(p.middle.max()) + 1))
        pl.add(Plant("lookalike", "namesakes", [a, b], variant="same_name_and_birth_date",
                     note="two strangers with the same name and birth date, living apart",
                     must_not_flag=("DUPLICATE_PERSON",)))  # fmt: skip
