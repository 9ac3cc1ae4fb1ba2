"""Small hand-written agencies for rule tests: contract CSVs with sensible defaults.

Every value is synthetic. SSNs are drawn from a counter in the 123-xx range so that each
employee's number is valid and unique unless a test says otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from headcount.contract.summary import Summary
from headcount.contract.tables import TABLES_BY_NAME

# Default identities differ in given name and birth date, so that records a test did not
# make alike never look like one person to the linkage model (DUPLICATE_PERSON).
GIVEN_NAMES = (
    "Jordan", "Avery", "Quinn", "Morgan", "Riley", "Casey", "Harper", "Rowan", "Emerson",
    "Finley", "Hayden", "Kendall", "Marlowe", "Peyton", "Sawyer", "Tatum",
)  # fmt: skip
PERIOD_ENDS_2025 = [dt.date(2025, 1, 11) + dt.timedelta(days=14 * k) for k in range(26)]


def period_end(k: int) -> str:
    """The k-th 2025 pay period end (0-based), as contract text."""
    return PERIOD_ENDS_2025[k].isoformat()


@dataclass
class Agency:
    folder: Path
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ssn: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    _payment: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _account: itertools.count[int] = field(default_factory=lambda: itertools.count(500001))

    def _add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.rows.setdefault(table, []).append(row)
        return row

    def employee(self, employee_id: str, **fields: Any) -> dict[str, Any]:
        n = next(self._ssn)
        row = {
            "employee_id": employee_id,
            # Spread over the serials, so no two defaults are one mistyped digit apart.
            "ssn": f"123-{n // 10000 % 100 + 10:02d}-{(n * 7919) % 9000 + 1000:04d}",
            "first_name": GIVEN_NAMES[n % len(GIVEN_NAMES)],
            "middle_name": "",
            "last_name": f"Tester{employee_id}",
            "date_of_birth": (dt.date(1960, 1, 1) + dt.timedelta(days=397 * (n % 90))).isoformat(),
            "hire_date": "2015-03-02",
            "separation_date": "",
            "agency": "VA",
            "org_code": "VA-01",
            "pay_plan": "GS",
            "grade": "12",
            "step": "3",
            "annual_salary": "100000.00",
            "supervisor_id": "",
            "work_email": f"{employee_id.lower()}@agency.example.gov",
            "home_address": f"{n} Elm Street",
            "city": "Springfield",
            "state": "VA",
            "zip": "22150",
            "_account": f"{next(self._account)}",
        }
        row.update(fields)
        return self._add("roster", row)

    def pay(
        self, employee_id: str, period: int, payment_type: str = "REGULAR", **fields: Any
    ) -> str:
        emp = next((r for r in self.rows.get("roster", []) if r["employee_id"] == employee_id), {})
        gross = Decimal(str(fields.pop("gross_pay", "3846.15")))
        payment_id: str = fields.pop("payment_id", f"P{next(self._payment):06d}")
        end = PERIOD_ENDS_2025[period]
        row = {
            "payment_id": payment_id,
            "pay_period_end": end.isoformat(),
            "pay_date": (end + dt.timedelta(days=6)).isoformat(),
            "payment_type": payment_type,
            "employee_id": employee_id,
            "ssn": emp.get("ssn", "555-12-3456"),
            "payee_name": f"{emp.get('last_name', 'UNKNOWN')}, {emp.get('first_name', 'X')}".upper(),
            "gross_pay": f"{gross:.2f}",
            "net_pay": f"{gross * Decimal('0.7'):.2f}",
            "federal_tax": f"{gross * Decimal('0.15'):.2f}",
            "retirement": f"{gross * Decimal('0.044'):.2f}",
            "health_benefits": "180.00",
            "bank_routing": "021000021",
            "bank_account": emp.get("_account", "999999"),
            "mailing_address": emp.get("home_address", ""),
            "city": "Springfield",
            "state": "VA",
            "zip": "22150",
        }
        row.update(fields)
        self._add("payroll", row)
        return payment_id

    def pay_periods(self, employee_id: str, periods: range, **fields: Any) -> list[str]:
        return [self.pay(employee_id, k, **fields) for k in periods]

    def death(self, **fields: Any) -> dict[str, Any]:
        row = {
            "ssn": "",
            "last_name": "",
            "first_name": "",
            "middle_name": "",
            "date_of_death": "",
            "date_of_birth": "",
            "source": "",
        }
        row.update(fields)
        return self._add("deaths", row)

    def campaign(self, campaign_id: str = "C1", agency: str = "VA", **fields: Any) -> None:
        row = {
            "campaign_id": campaign_id,
            "sent_at": "2025-02-22T16:45:00Z",
            "deadline": "2025-02-24T23:59:00Z",
            "agency": agency,
            "policy": "mandatory",
        }
        row.update(fields)
        self._add("campaigns", row)

    def checkin(self, employee_id: str, text: str, campaign_id: str = "C1", **fields: Any) -> None:
        row = {
            "campaign_id": campaign_id,
            "employee_id": employee_id,
            "work_email": f"{employee_id.lower()}@agency.example.gov",
            "submitted_at": "2025-02-23T10:00:00Z",
            "text": text,
            "source": "web",
        }
        row.update(fields)
        self._add("checkins", row)

    def activity(self, employee_id: str, date: str, kind: str = "badge") -> None:
        self._add("activity", {"employee_id": employee_id, "date": date, "kind": kind})

    def change(self, employee_id: str, field: str, new_value: str, **fields: Any) -> str:
        """One hr_changes row, keyed and approved by two other users unless told."""
        row = {
            "change_id": f"H{len(self.rows.get('hr_changes', [])) + 1:05d}",
            "employee_id": employee_id,
            "field": field,
            "old_value": "",
            "new_value": new_value,
            "entered_at": "2025-03-03T14:00:00Z",
            "effective_date": "2025-03-02",
            "entered_by": "HR1",
            "approved_by": "HR2",
        }
        row.update(fields)
        return str(self._add("hr_changes", row)["change_id"])

    def vendor(self, vendor_id: str, **fields: Any) -> dict[str, Any]:
        row = {
            "vendor_id": vendor_id,
            "name": f"Vendor {vendor_id} LLC",
            "tin": "98-7000001",
            "address": "20000 Commerce Way Suite 100",
            "city": "Springfield",
            "state": "VA",
            "zip": "22150",
            "bank_routing": "",
            "bank_account": "",
        }
        row.update(fields)
        return self._add("vendors", row)

    def write(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        tables = {"roster": [], "payroll": [], **self.rows}  # the required two always exist
        for name, rows in tables.items():
            columns = TABLES_BY_NAME[name].column_names
            with (self.folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
        return self.folder


def _linkage_person(agency: Agency, employee_id: str, **fields: str) -> None:
    base = {
        "first_name": "Robert", "middle_name": "Allen", "last_name": "Kowalczyk",
        "date_of_birth": "1971-04-09", "home_address": "14 Juniper Lane",
        "city": "Falls Church", "zip": "22042",
    }  # fmt: skip
    base.update(fields)
    agency.employee(employee_id, **base)
    agency.pay_periods(employee_id, range(0, 2))


def linkage_agency(agency: Agency) -> Path:
    """For the identity-resolution tests: a nickname duplicate (E1, E2), twins (T1, T2),
    namesakes who moved apart (N1, N2), and strangers; the folder written."""
    _linkage_person(agency, "E1")
    _linkage_person(agency, "E2", first_name="Bob")
    twin = {"middle_name": "Rose", "last_name": "Marchetti", "date_of_birth": "1990-02-17",
            "home_address": "3 Birch Court", "zip": "22150"}  # fmt: skip
    _linkage_person(agency, "T1", first_name="Helena", **twin)
    _linkage_person(agency, "T2", first_name="Vivian", **twin)
    name = {"first_name": "Xavier", "middle_name": "", "last_name": "Quartermaine",
            "date_of_birth": "1983-06-21"}  # fmt: skip
    _linkage_person(agency, "N1", home_address="9 Alder Way", city="Reston", zip="20190", **name)
    _linkage_person(agency, "N2", home_address="40 Pine Road", city="Dayton", zip="45402", **name)
    for i in range(8):
        agency.employee(f"S{i}")
    return agency.write()


@dataclass
class Results:
    out: Path

    @property
    def findings(self) -> list[dict[str, Any]]:
        with (self.out / "findings.csv").open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            row["evidence"] = json.loads(row["evidence"])
            row["amount_at_risk"] = Decimal(row["amount_at_risk"])
        return rows

    def of(self, rule: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["rule"] == rule]

    @property
    def payees(self) -> dict[str, dict[str, str]]:
        with (self.out / "payees.csv").open(newline="", encoding="utf-8") as fh:
            return {row["employee_id"]: row for row in csv.DictReader(fh)}

    @property
    def summary(self) -> Summary:
        # Declared, not validated: the tests that read it check the figures themselves.
        summary: Summary = json.loads((self.out / "summary.json").read_text(encoding="utf-8"))
        return summary
