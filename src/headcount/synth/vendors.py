"""vendors.csv: the agency's vendor master file.

Background vendors are businesses: an EIN that is nobody's SSN, a business address (a
building number no home uses, a suite) and a bank account no employee is paid into. Plants
add vendors that share an employee's SSN, account or home address, and their look-alikes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from headcount.contract.tables import VENDORS
from headcount.synth import arrowfmt as af
from headcount.synth.people import People, unique_ints
from headcount.synth.vocab import Places, names

# Business building numbers: above every home's (people.py draws 1-19,999).
BUSINESS_BLDG = (20_000, 30_000)
VENDOR_ACCOUNTS = (2 * 10**12, 3 * 10**12)  # beyond every employee account (synth/hr_changes)
KINDS = ("Consulting LLC", "Supply Co", "Services Inc", "Group LLC", "Solutions Inc",
         "Partners LLP", "Logistics Inc", "Contracting LLC")  # fmt: skip


@dataclass(frozen=True)
class Vendor:
    name: str
    tin: str
    address: str
    city: str
    state: str
    zip: str
    routing: str | None
    account: str | None


@dataclass
class VendorPlan:
    """Vendors planted next to the background ones."""

    planted: list[Vendor] = field(default_factory=list)


def _eins(rng: np.random.Generator, count: int, ssns: np.ndarray) -> np.ndarray:
    """EINs as 9 digits; none equal to an SSN anyone holds."""
    pool = unique_ints(rng, 10_000_000, 999_999_999, count + len(ssns) // 1000 + 100)
    return pool[~np.isin(pool, ssns)][:count]


def vendors_table(
    rng: np.random.Generator, p: People, places: Places, plan: VendorPlan, count: int
) -> pa.Table:
    last = names().last
    owner = rng.integers(0, len(last), size=count)
    kind = rng.integers(0, len(KINDS), size=count)
    city = rng.integers(0, len(places.city_names), size=count)
    street = rng.integers(0, len(places.streets), size=count)
    bldg = rng.integers(*BUSINESS_BLDG, size=count)
    suite = rng.integers(100, 999, size=count)
    has_bank = rng.random(count) < 0.8
    accounts = unique_ints(rng, *VENDOR_ACCOUNTS, count)
    tins = _eins(rng, count, p.ssn)
    vendors = [
        Vendor(
            name=f"{last[int(owner[i])]} {KINDS[int(kind[i])]}",
            tin=f"{int(tins[i]):09d}"[:2] + "-" + f"{int(tins[i]):09d}"[2:],
            address=f"{int(bldg[i])} {places.streets[int(street[i])].as_py()} Suite {int(suite[i])}",
            city=str(places.city_names[int(city[i])].as_py()),
            state=places.states[int(places.city_state[int(city[i])])],
            zip=f"{int(places.city_zip[int(city[i])]):05d}",
            routing=p.routings[int(rng.integers(0, len(p.routings)))] if has_bank[i] else None,
            account=str(int(accounts[i])) if has_bank[i] else None,
        )
        for i in range(count)
    ]
    rows = vendors + plan.planted
    order = np.argsort(rng.random(len(rows)), kind="stable")  # planted ones among the rest
    rows = [rows[i] for i in order]
    data = {
        "vendor_id": af.pattern(np.arange(1, len(rows) + 1), "V######"),
        "name": pa.array([v.name for v in rows], pa.string()),
        "tin": pa.array([v.tin for v in rows], pa.string()),
        "address": pa.array([v.address for v in rows], pa.string()),
        "city": pa.array([v.city for v in rows], pa.string()),
        "state": pa.array([v.state for v in rows], pa.string()),
        "zip": pa.array([v.zip for v in rows], pa.string()),
        "bank_routing": pa.array([v.routing for v in rows], pa.string()),
        "bank_account": pa.array([v.account for v in rows], pa.string()),
    }
    assert tuple(data) == VENDORS.column_names
    return pa.table(data)


def vendor_count(employees: int) -> int:
    return int(np.clip(employees // 50, 40, 20_000))
