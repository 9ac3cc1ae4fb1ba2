"""Ghost-employee plants about work and place: pay with no sign of work, access after the
job, many strangers at one address, a post-office box for a home, an employee who is also
a vendor; each with the proper look-alikes the data contract names."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from headcount.matching.address import WORDS
from headcount.synth.common import N_PERIODS, PERIOD_ENDS, REGULAR, day, iso
from headcount.synth.names_edit import given_equivalent
from headcount.synth.plants import Planter
from headcount.synth.truth import Paid, Plant, Selector
from headcount.synth.vendors import BUSINESS_BLDG, Vendor
from headcount.synth.vocab import names

ADDRESS = ("bldg", "street", "apt", "city", "zip", "po_box")


def regular_in(person: int, k0: int, k1: int) -> Selector:
    """Regular payments for periods k0..k1; their gross is at risk."""

    def sel(paid: Paid) -> tuple[list[int], int]:
        r = paid[person]
        hit = (r.ptype == REGULAR) & (r.k >= k0) & (r.k <= k1)
        return r.num[hit].tolist(), int(r.gross[hit].sum())

    return sel


def paid_without_activity(pl: Planter, count: int) -> None:
    """Staff of an agency with an activity feed, paid for periods with no record at all."""
    for i in range(count):
        person = pl.one(pl.fed)
        if i % 2 == 0:
            variant, k0 = "idle_mid_year", int(pl.rng.integers(4, 18))
            k1 = k0 + int(pl.rng.integers(2, 6))
        else:
            variant, k0, k1 = "idle_to_year_end", int(pl.rng.integers(16, 23)), N_PERIODS - 1
        pl.activity.idle[person] = (k0, k1)
        pl.add(Plant("anomaly", "PAID_WITHOUT_ACTIVITY", [person], "medium", variant,
                     f"no activity record in periods ending {iso(int(PERIOD_ENDS[k0]))} to "
                     f"{iso(int(PERIOD_ENDS[k1]))}; paid {{n}} periods: ${{amount}}",
                     select=regular_in(person, k0, k1)))  # fmt: skip


def activity_lookalikes(pl: Planter, count: int) -> None:
    """Leave is activity; two idle periods are too few; no feed, no judgement."""
    for _ in range(count):
        person = pl.one(pl.fed)
        k0 = int(pl.rng.integers(3, 18))
        pl.activity.leave[person] = (k0, k0 + int(pl.rng.integers(3, 7)))
        pl.add(Plant("lookalike", "extended_leave", [person], variant="leave_records",
                     note="months of leave, recorded as leave: activity all the same",
                     must_not_flag=("PAID_WITHOUT_ACTIVITY",)))  # fmt: skip
        person = pl.one(pl.fed)
        k0 = int(pl.rng.integers(3, 22))
        pl.activity.idle[person] = (k0, k0 + 1)
        pl.add(Plant("lookalike", "two_idle_periods", [person], variant="two_periods",
                     note="two pay periods in a row with no record: fewer than three",
                     must_not_flag=("PAID_WITHOUT_ACTIVITY",)))  # fmt: skip
        person = pl.one(pl.unfed)
        pl.activity.idle[person] = (0, N_PERIODS - 1)
        pl.add(Plant("lookalike", "no_activity_feed", [person], variant="whole_year",
                     note="no activity all year in an agency whose feed covers few of its staff",
                     must_not_flag=("PAID_WITHOUT_ACTIVITY",)))  # fmt: skip


def activity_after_separation(pl: Planter, count: int) -> None:
    """Badge or login records after the separation date."""
    for i in range(count):
        person = pl.one()
        sep = pl.day_between(day(2025, 3, 3), day(2025, 9, 26))
        pl.p.sep[person] = sep
        kinds = ("badge", "login") if i % 2 == 0 else ("login",)
        for j, kind in enumerate(kinds * 2):
            pl.activity.extra.append((person, sep + 3 + 9 * j, kind))
        pl.add(Plant("anomaly", "ACTIVITY_AFTER_SEPARATION", [person], "medium",
                     "badge_and_login" if len(kinds) == 2 else "login_only",
                     f"separated {iso(sep)}; access records after it"))  # fmt: skip
    for _ in range(count):
        person = pl.one()
        sep = pl.day_between(day(2025, 3, 3), day(2025, 9, 26))
        pl.p.sep[person] = sep
        pl.activity.extra += [(person, sep, "badge"), (person, sep, "login")]
        pl.add(Plant("lookalike", "activity_on_separation_day", [person], variant="same_day",
                     note="badge and login on the last day in service",
                     must_not_flag=("ACTIVITY_AFTER_SEPARATION",)))  # fmt: skip
        person = pl.one()
        sep = pl.day_between(day(2025, 3, 3), day(2025, 9, 26))
        pl.p.sep[person] = sep
        pl.activity.extra += [(person, sep + 4, "timecard"), (person, sep + 9, "leave")]
        pl.add(Plant("lookalike", "paperwork_after_separation", [person], variant="timecard",
                     note="a final timecard and leave record after the last day: not access",
                     must_not_flag=("ACTIVITY_AFTER_SEPARATION",)))  # fmt: skip


def _move_in(pl: Planter, src: int, dst: int) -> None:
    p = pl.p
    for column in ADDRESS:
        getattr(p, column)[dst] = getattr(p, column)[src]


def _other_surname(pl: Planter, taken: set[int]) -> Callable[[int], bool]:
    return lambda c: int(pl.p.last[c]) not in taken


def _unlike(pl: Planter, partner: int) -> Callable[[int], bool]:
    """Someone whose given name is plainly not the partner's (no nickname, no typo)."""
    return lambda c: not given_equivalent(pl.first(c), pl.first(partner))


def _residents(pl: Planter, size: int, surnames: int | None = None) -> list[int]:
    """`size` fresh people sharing the first one's address; with `surnames`, only that
    many surnames among them (a household), else all different."""
    first = pl.one()
    people, taken = [first], {int(pl.p.last[first])}
    while len(people) < size:
        if surnames is not None and len(taken) >= surnames:
            # A relative: the partner's surname, a given name that is plainly another one.
            partner = people[len(people) % surnames]
            person = pl.one(_unlike(pl, partner))
            pl.p.last[person] = pl.p.last[partner]
        else:
            person = pl.one(_other_surname(pl, taken))
        taken.add(int(pl.p.last[person]))
        _move_in(pl, first, person)
        people.append(person)
    return people


def _respelled(pl: Planter, person: int, style: int) -> str:
    """The person's home line written another way: suffix abbreviated, case, unit word."""
    p = pl.p
    street = str(pl.places.streets[int(p.street[person])].as_py())
    *words, suffix = street.split()
    short = WORDS.get(suffix.upper(), suffix.upper())
    unit = int(p.apt[person])
    if style == 0:
        return f"{int(p.bldg[person])} {' '.join(words).upper()} {short}. #{unit}"
    return f"{int(p.bldg[person])}  {' '.join(words)} {short.title()}, Unit {unit}"


def address_cluster(pl: Planter, count: int) -> None:
    """Four or five strangers (all surnames different) at one home address."""
    for i in range(count):
        size = 4 + i % 2
        people = _residents(pl, size)
        variant = "same_spelling"
        if i % 2 == 1:
            variant = "spelled_differently"
            pl.p.apt[people] = int(pl.rng.integers(1, 400))
            for j, person in enumerate(people[1:3]):
                pl.p.home_text[person] = _respelled(pl, person, j)
        pl.add(Plant("anomaly", "ADDRESS_CLUSTER", people, "medium", variant,
                     f"{size} active employees, {size} surnames, one home address"))  # fmt: skip


def address_lookalikes(pl: Planter, count: int) -> None:
    for _ in range(count):
        people = _residents(pl, 4, surnames=2)
        pl.add(Plant("lookalike", "household", people, variant="two_surnames",
                     note="four people of one household: two surnames at one address",
                     must_not_flag=("ADDRESS_CLUSTER", "SHARED_BANK_ACCOUNT")))  # fmt: skip
        people = _residents(pl, 5)
        pl.p.apt[people] = 101 + np.arange(len(people))
        pl.add(Plant("lookalike", "apartment_building", people, variant="different_units",
                     note="five neighbours in different units of one building",
                     must_not_flag=("ADDRESS_CLUSTER",)))  # fmt: skip
        people = _residents(pl, 4)
        for person in people[:2]:
            pl.p.sep[person] = pl.day_between(day(2025, 4, 1), day(2025, 9, 26))
        pl.add(Plant("lookalike", "former_residents", people, variant="two_separated",
                     note="four surnames at one address, but two had left before year end",
                     must_not_flag=("ADDRESS_CLUSTER",)))  # fmt: skip


PO_BOX_FORMS = ("PO Box {n}", "P.O. Box {n}", "Post Office Box {n}", "POB {n}")


def po_box_address(pl: Planter, count: int) -> None:
    for i in range(max(count, len(PO_BOX_FORMS))):
        person = pl.one()
        form = PO_BOX_FORMS[i % len(PO_BOX_FORMS)]
        pl.p.home_text[person] = form.format(n=int(pl.rng.integers(10, 9999)))
        pl.add(Plant("anomaly", "PO_BOX_ADDRESS", [person], "low", form.split(" {")[0],
                     "a post-office box as the roster home address"))  # fmt: skip
    person = pl.one()
    pl.p.home_text[person] = f"{int(pl.rng.integers(1, 900))} Post Office Road"
    pl.add(Plant("lookalike", "post_office_road", [person], variant="street_name",
                 note="a street called Post Office Road is a home address",
                 must_not_flag=("PO_BOX_ADDRESS",)))  # fmt: skip


def _vendor(pl: Planter, person: int, **fields: str | None) -> Vendor:
    """A business with its own EIN-like TIN, address and account unless `fields` say."""
    p = pl.p
    base = {
        "name": f"{names().last[int(pl.rng.integers(0, len(names().last)))]} Consulting LLC",
        "tin": f"{pl.spare_ssn():09d}",
        "address": f"{int(pl.rng.integers(*BUSINESS_BLDG))} Commerce Way Suite "
        f"{int(pl.rng.integers(100, 999))}",
        "city": str(pl.places.city_names[int(p.city[person])].as_py()),
        "state": pl.places.states[int(pl.places.city_state[int(p.city[person])])],
        "zip": pl.zip_text(person),
        "routing": None,
        "account": None,
    }
    base.update(fields)
    return Vendor(**base)  # type: ignore[arg-type]


def employee_vendor_match(pl: Planter, count: int) -> None:
    p = pl.p
    for i in range(max(count, 3)):
        person = pl.one()
        variant = ("tin_is_ssn", "bank_account", "address_only")[i % 3]
        full = f"{pl.first(person)} {pl.last(person)}"
        if variant == "tin_is_ssn":
            ssn = f"{int(p.ssn[person]):09d}"
            vendor = _vendor(pl, person, name=f"{full} Consulting", tin=ssn)
        elif variant == "bank_account":
            vendor = _vendor(pl, person, routing=pl.routing_text(person),
                             account=str(int(p.account[person])))  # fmt: skip
        else:
            p.apt[person] = int(pl.rng.integers(1, 400))
            vendor = _vendor(pl, person, address=pl.home_line(person).upper().replace(
                "APT.", "APARTMENT"))  # fmt: skip
        pl.vendors.planted.append(vendor)
        severity = "low" if variant == "address_only" else "medium"
        pl.add(Plant("anomaly", "EMPLOYEE_VENDOR_MATCH", [person], severity, variant,
                     f"a vendor shares the employee's {variant.replace('_', ' ')}"))  # fmt: skip
    for _ in range(count):
        person = pl.one()
        unit = int(pl.rng.integers(1, 400))
        p.apt[person] = unit
        street = pl.home_line(person).rsplit(" Apt.", 1)[0]
        pl.vendors.planted.append(_vendor(pl, person, address=f"{street} Suite {unit + 1}"))
        pl.add(Plant("lookalike", "vendor_in_same_building", [person], variant="other_unit",
                     note="a vendor in another unit of the employee's building",
                     must_not_flag=("EMPLOYEE_VENDOR_MATCH",)))  # fmt: skip
        person = pl.one()
        pl.vendors.planted.append(_vendor(pl, person, name=f"{pl.first(person)} {pl.last(person)}"))
        pl.add(Plant("lookalike", "vendor_with_same_name", [person], variant="name_only",
                     note="a vendor with the employee's name, nothing else in common",
                     must_not_flag=("EMPLOYEE_VENDOR_MATCH",)))  # fmt: skip
