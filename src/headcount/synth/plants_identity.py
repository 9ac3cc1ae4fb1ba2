"""Identity plants: who is paid under which SSN, name and bank account."""

from __future__ import annotations

import numpy as np

from headcount.synth import ssn as ssnmod
from headcount.synth.common import N_PERIODS, REGULAR
from headcount.synth.payroll import PersonPayments
from headcount.synth.people import unique_ints
from headcount.synth.plants import Planter
from headcount.synth.truth import Plant, all_payments, listed

# Below every year's default pay cap: a ghost drawn from the senior executives would also be
# (rightly) PAY_ABOVE_CAP, a second finding truth.json would not list.
GHOST_MAX_SALARY = 180_000

INVALID_VARIANTS = (
    "area_000", "area_666", "area_9xx", "group_00", "serial_0000", "voided", "eight_digits",
)  # fmt: skip


def payee_not_in_roster(pl: Planter, count: int) -> None:
    """Payments to an employee number HR has never heard of."""
    ids = unique_ints(pl.rng, 9_000_000, 10_000_000, count)
    for i in range(count):
        g = pl.ghost()
        pl.p.emp_num[g] = ids[i]
        pl.p.ssn[g] = pl.spare_ssn()
        pl.p.salary[g] = min(int(pl.p.salary[g]), GHOST_MAX_SALARY)
        first = int(pl.rng.integers(0, 16))
        last = min(first + int(pl.rng.integers(5, 11)), N_PERIODS - 1)
        pl.p.pay_range[g] = (first, last)
        pl.add(Plant("anomaly", "PAYEE_NOT_IN_ROSTER", [g], "high", "ghost",
                     "employee_id not in the roster, paid {n} times, ${amount}",
                     select=all_payments(g)))  # fmt: skip


def duplicate_ssn(pl: Planter, count: int) -> None:
    """Two or three different people on the roster under one SSN."""
    for i in range(count):
        size = 2 if i % 2 == 0 else 3
        people = pl.pick(size)
        for other in people[1:]:
            pl.p.ssn[other] = pl.p.ssn[people[0]]
        pl.add(Plant("anomaly", "DUPLICATE_SSN", people, "high", f"{size}_records",
                     f"{size} roster records with different employee_ids share one SSN"))  # fmt: skip


def _invalid_number(pl: Planter, variant: str, voided: list[int]) -> str:
    rng = pl.rng
    area = int(rng.integers(1, 900))
    area = 667 if area == 666 else area
    group, serial = int(rng.integers(1, 100)), int(rng.integers(1, 10_000))
    if variant == "area_000":
        area = 0
    elif variant == "area_666":
        area = 666
    elif variant == "area_9xx":
        area = int(rng.integers(900, 987))
    elif variant == "group_00":
        group = 0
    elif variant == "serial_0000":
        serial = 0
    elif variant == "voided":
        return ssnmod.fmt(voided.pop(0))
    elif variant == "eight_digits":
        return f"{int(rng.integers(10_000_000, 100_000_000)):08d}"
    return ssnmod.fmt(area * 1_000_000 + group * 10_000 + serial)


def invalid_ssn(pl: Planter, count: int) -> None:
    """Roster SSNs that SSA never issues, one of each kind (voided numbers are few: reuse none)."""
    voided = list(ssnmod.VOIDED_ORDER)
    seen: set[str] = set()
    for i in range(max(count, len(INVALID_VARIANTS))):
        variant = INVALID_VARIANTS[i % len(INVALID_VARIANTS)]
        if variant == "voided" and not voided:
            variant = "area_000"
        text = _invalid_number(pl, variant, voided)
        while text in seen:
            text = _invalid_number(pl, "area_000", voided)
        seen.add(text)
        person = pl.one()
        pl.p.roster_ssn_text[person] = text
        pl.add(Plant("anomaly", "INVALID_SSN", [person], "medium", variant,
                     f"roster SSN is never issued ({variant.replace('_', ' ')})"))  # fmt: skip


def shared_bank_account(pl: Planter, count: int) -> None:
    """Two unrelated employees (different surname and address) paid into one account."""
    p = pl.p
    for _ in range(count):
        a = pl.one()

        def unrelated(c: int, a: int = a) -> bool:
            return bool(p.last[c] != p.last[a] and p.city[c] != p.city[a])

        b = pl.one(unrelated)
        p.routing[b], p.account[b] = p.routing[a], p.account[a]
        pl.add(Plant("anomaly", "SHARED_BANK_ACCOUNT", [a, b], "medium", "unrelated",
                     "one routing+account paid for two unrelated employees"))  # fmt: skip


def household_account(pl: Planter, count: int) -> None:
    """Spouses: same surname and home address, one joint account (reported at low only)."""
    p = pl.p
    for _ in range(count):
        a = pl.one()

        def spouse(c: int, a: int = a) -> bool:
            return bool(
                p.female[c] != p.female[a]
                and p.first[c] != p.first[a]
                and abs(int(p.dob[c]) - int(p.dob[a])) > 400
            )

        b = pl.one(spouse)
        p.last[b] = p.last[a]
        for col in ("bldg", "street", "apt", "city", "zip", "po_box", "routing", "account"):
            getattr(p, col)[b] = getattr(p, col)[a]
        pl.add(Plant("anomaly", "SHARED_BANK_ACCOUNT", [a, b], "low", "household",
                     "a household (same surname and home address) shares one account"))  # fmt: skip
        pl.add(Plant("lookalike", "household_shared_account", [a, b], variant="spouses",
                     note="spouses share a joint account: at most low",
                     must_not_flag=("SHARED_BANK_ACCOUNT", "DUPLICATE_PERSON")))  # fmt: skip


def swap_adjacent(pl: Planter, ssn: int) -> int:
    digits = list(f"{ssn:09d}")
    spots = [i for i in range(8) if digits[i] != digits[i + 1]]
    i = spots[int(pl.rng.integers(0, len(spots)))]
    digits[i], digits[i + 1] = digits[i + 1], digits[i]
    return int("".join(digits))


def identity_mismatch(pl: Planter, count: int) -> None:
    """Payments under an SSN other than the roster's: someone else's, or a keying slip."""
    p = pl.p
    for i in range(count):
        person = pl.one()
        if i % 2 == 0:
            variant, k0, other = "other_ssn", int(pl.rng.integers(4, 21)), pl.spare_ssn()
        else:
            variant, k0, other = "transposed_digits", 0, swap_adjacent(pl, int(p.ssn[person]))
        p.pay_ssn_switch[person] = (k0, ssnmod.fmt(other))

        def keep(r: PersonPayments, k0: int = k0) -> np.ndarray:
            return np.asarray(r.k >= k0)

        pl.add(Plant("anomaly", "IDENTITY_MISMATCH", [person], "medium", variant,
                     "{n} payments carry an SSN other than the roster's",
                     select=listed([person], keep)))  # fmt: skip


def identity_lookalikes(pl: Planter, count: int) -> None:
    """Same SSN written without dashes; a new surname on the payments after a marriage."""
    p = pl.p
    for _ in range(count):
        person = pl.one()
        p.ssn_dashless_on_payments.add(person)
        pl.add(Plant("lookalike", "ssn_without_dashes", [person], variant="digits_only",
                     note="payments carry the roster SSN without dashes",
                     must_not_flag=("IDENTITY_MISMATCH",)))  # fmt: skip
    for _ in range(count):
        person = pl.one(p.female)
        k0 = int(pl.rng.integers(5, 21))
        new_last = pl.last(person)
        while new_last == pl.last(person):
            new_last = pl.last(int(pl.rng.integers(0, p.n_roster)))
        p.payee_switch[person] = (k0, pl.payee(person, new_last))

        def keep(r: PersonPayments, k0: int = k0) -> np.ndarray:
            return np.asarray((r.k >= k0) & (r.ptype == REGULAR))

        pl.add(Plant("lookalike", "surname_change", [person], variant="marriage",
                     note="payee surname changed (same SSN): at most low",
                     must_not_flag=("IDENTITY_MISMATCH",), select=listed([person], keep)))  # fmt: skip
