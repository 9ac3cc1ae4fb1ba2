"""Shared relations several rules read, built once per run before the rules.

- `nickname_pairs(a, b)`: the curated nickname list, both directions.
- `pay_caps(year, plan_group, annual_cap, period_cap, authority)`: the statutory cap for
  every payroll year, `plan_group` 'ES' or 'DEFAULT'. A year with no published cap in the
  table uses the nearest earlier year (or the earliest known).
- `employee_plan(employee_id, plan_group)`: which cap applies to each roster record.
- `death_matches`: each death record whose SSN equals a roster SSN, with which of surname,
  given name and birth date agree. `agreements >= 2` is a PAID_AFTER_DEATH-grade match.
  `corroborated`: another source reports the same SSN dead within 7 days of it, or its DMF
  verify/proof code is V or P (data contract, "Death records from several sources").
- `roster_addresses`, `vendor_addresses`: address keys (rules/addresses.py).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

import pyarrow as pa

from headcount.engine.base import Engine
from headcount.matching.names import given_equivalent, install_nicknames, nickname_join
from headcount.matching.names import surname_equivalent as surname_eq
from headcount.rules.addresses import prepare_addresses

# Two records from different sources corroborate each other within this many days.
CORROBORATION_DAYS = 7
# A person has a death record or two per source; an SSN on more records than this is a
# placeholder or a keying error repeated down a file, and pairing its records with each
# other would be quadratic (100,000 copies: 10^10 pairs). Such records corroborate nothing.
MAX_DEATH_RECORDS_PER_SSN = 16


@dataclass(frozen=True)
class PayCap:
    year: int
    pay_plan: str
    annual_cap: Decimal
    authority: str


def published_caps() -> tuple[PayCap, ...]:
    text = resources.files("headcount.rules").joinpath("pay_caps.csv").read_text("utf-8")
    return tuple(
        PayCap(int(r["year"]), r["pay_plan"], Decimal(r["annual_cap"]), r["authority"])
        for r in csv.DictReader(text.splitlines())
    )


def caps_for_years(years: range) -> pa.Table:
    caps = published_caps()
    rows: dict[str, list[object]] = {
        k: [] for k in ("year", "plan_group", "annual_cap", "period_cap", "authority")
    }
    for group in sorted({c.pay_plan for c in caps}):
        known = sorted((c for c in caps if c.pay_plan == group), key=lambda c: c.year)
        for year in years:
            earlier = [c for c in known if c.year <= year]
            cap = earlier[-1] if earlier else known[0]
            rows["year"].append(year)
            rows["plan_group"].append(group)
            rows["annual_cap"].append(cap.annual_cap)
            # One biweekly payment may be 1/26 of the annual cap, rounded to the cent.
            rows["period_cap"].append((cap.annual_cap / 26).quantize(Decimal("0.01")))
            rows["authority"].append(f"{cap.authority}, {cap.year}")
    return pa.table(
        {
            "year": pa.array(rows["year"], pa.int32()),
            "plan_group": pa.array(rows["plan_group"], pa.string()),
            "annual_cap": pa.array(rows["annual_cap"], pa.decimal128(18, 2)),
            "period_cap": pa.array(rows["period_cap"], pa.decimal128(18, 2)),
            "authority": pa.array(rows["authority"], pa.string()),
        }
    )


def prepare(engine: Engine) -> None:
    d = engine.dialect
    install_nicknames(engine)

    span = engine.fetch_arrow(
        f"SELECT min({d.year('pay_period_end')}) AS lo, max({d.year('pay_period_end')}) AS hi "
        "FROM payroll"
    ).to_pylist()[0]
    lo, hi = span["lo"] or 2025, span["hi"] or 2025
    engine.register_arrow("pay_caps", caps_for_years(range(lo, hi + 1)))
    engine.create_table(
        "employee_plan",
        "SELECT employee_id, CASE WHEN upper(trim(pay_plan)) = 'ES' THEN 'ES' ELSE 'DEFAULT' END"
        " AS plan_group FROM roster",
    )

    prepare_addresses(engine)
    source = "upper(trim({}.source))"
    # Every death record another source confirms (the V/P proof code is read below).
    engine.create_table(
        "corroborated_deaths",
        f"""
        SELECT DISTINCT d.source, d._row
        FROM deaths d
        JOIN (SELECT ssn FROM deaths WHERE ssn IS NOT NULL GROUP BY ssn
              HAVING count(*) <= {MAX_DEATH_RECORDS_PER_SSN}) usable ON usable.ssn = d.ssn
        JOIN deaths o
          ON o.ssn = d.ssn AND {source.format("o")} <> {source.format("d")}
         AND o.date_of_death >= {d.days_before("d.date_of_death", CORROBORATION_DAYS)}
         AND d.date_of_death >= {d.days_before("o.date_of_death", CORROBORATION_DAYS)}
        """,
    )
    engine.create_table(
        "death_matches",
        f"""
        SELECT *, CAST(surname_agrees AS INTEGER) + CAST(given_name_agrees AS INTEGER)
                  + CAST(date_of_birth_agrees AS INTEGER) AS agreements
        FROM (
        SELECT r.employee_id, d._row AS death_row, d.source AS death_source,
               coalesce(d.proof_code IN ('V', 'P'), FALSE) OR c._row IS NOT NULL
                   AS corroborated,
               d.last_name AS death_last_name, d.first_name AS death_first_name,
               d.middle_name AS death_middle_name, d.date_of_death,
               d.date_of_death_partial, d.date_of_birth_lo, d.date_of_birth_hi,
               r.last_name AS roster_last_name, r.first_name AS roster_first_name,
               {surname_eq(d, "r.last_name", "d.last_name")} AS surname_agrees,
               {given_equivalent(d, "r.first_name", "d.first_name", "nk")} AS given_name_agrees,
               coalesce(r.date_of_birth BETWEEN d.date_of_birth_lo AND d.date_of_birth_hi, FALSE)
                   AS date_of_birth_agrees
        FROM roster r
        JOIN deaths d ON d.ssn = r.ssn
        LEFT JOIN corroborated_deaths c ON c.source = d.source AND c._row = d._row
        {nickname_join(d, "nk", "r.first_name", "d.first_name")}
        ) matched
        """,
    )
