"""EMPLOYEE_VENDOR_MATCH: an employee who is also one of the agency's vendors."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope, plural
from headcount.rules.sql import finding_head, full_name, masked_account, masked_ssn


def query(d: Dialect) -> str:
    vendor = d.struct(
        vendor_id="v.vendor_id",
        name="v.name",
        tin=masked_ssn("v.tin"),
        city="v.city",
        state="v.state",
        bank_routing="v.bank_routing",
        bank_account=masked_account("v.bank_account"),
    )
    none = "CAST(NULL AS BIGINT)"
    return f"""
    WITH pairs AS (
        SELECT r.employee_id, v.vendor_id, 1 AS tin, 0 AS bank, 0 AS address,
               {none} AS payments
        FROM roster r JOIN vendors v ON v.tin = r.ssn
        UNION ALL
        SELECT p.employee_id, v.vendor_id, 0, 1, 0, count(*)
        FROM payroll p JOIN vendors v
          ON v.bank_routing = p.bank_routing AND v.bank_account = p.bank_account
        WHERE p.employee_id IS NOT NULL
        GROUP BY p.employee_id, v.vendor_id
        UNION ALL
        SELECT ra.employee_id, va.vendor_id, 0, 0, 1, {none}
        FROM roster_addresses ra JOIN vendor_addresses va ON va.address_key = ra.address_key
    ),
    matched AS (
        SELECT employee_id, vendor_id, max(tin) = 1 AS tin_matches,
               max(bank) = 1 AS bank_account_matches, max(address) = 1 AS address_matches,
               max(payments) AS payments_into_vendor_account
        FROM pairs GROUP BY employee_id, vendor_id
    )
    SELECT {finding_head(d, "EMPLOYEE_VENDOR_MATCH", "m.employee_id || '|' || m.vendor_id", d.array("m.employee_id"))},
           CASE WHEN m.tin_matches OR m.bank_account_matches THEN 'medium' ELSE 'low' END
               AS severity,
           'EMPLOYEE_VENDOR_MATCH|' || m.employee_id AS _employee_key,
           {full_name("r")} AS employee_name, r.employee_id IS NOT NULL AS in_roster,
           {masked_ssn("r.ssn")} AS ssn,
           m.tin_matches, m.bank_account_matches, m.address_matches,
           m.payments_into_vendor_account,
           va.address_key AS vendor_address_normalised,
           {vendor} AS vendor
    FROM matched m
    JOIN vendors v ON v.vendor_id = m.vendor_id
    LEFT JOIN vendor_addresses va ON va.vendor_id = m.vendor_id
    LEFT JOIN roster r ON r.employee_id = m.employee_id
    """


def _what(row: RuleRow) -> str:
    parts = []
    if row["tin_matches"]:
        parts.append("the vendor's TIN is the employee's SSN")
    if row["bank_account_matches"]:
        n = row["payments_into_vendor_account"] or 0
        parts.append(f"{plural(int(n), 'payment')} of pay went into the vendor's bank account")
    if row["address_matches"]:
        parts.append("the vendor's address is the employee's home address")
    return "; ".join(parts)


def summary(row: RuleRow) -> str:
    vendor = row["vendor"]
    name = row["employee_name"] or "a payee not in the roster"
    return (
        f"Employee {name} ({row['employee_ids'][0]}) matches vendor {vendor['name']} "
        f"({vendor['vendor_id']}): {_what(row)}."
    )


def why(row: RuleRow) -> str:
    if row["tin_matches"] or row["bank_account_matches"]:
        return (
            "The employee's SSN is the vendor's TIN, or the employee's pay went into the "
            "vendor's bank account: the employee may be billing the agency as a vendor, or "
            "the vendor record may be a front for the employee."
        )
    return (
        "The vendor's address is the employee's home address but nothing else matches: "
        "possibly a side business, possibly a front. Reported at low."
    )


RULE = Rule(
    code="EMPLOYEE_VENDOR_MATCH",
    severity=Severity.MEDIUM,
    other_severities=(Severity.LOW,),
    title="Employee is also a vendor",
    flags="An employee whose SSN equals a vendor's TIN, or whose bank account (routing + "
    "account, on any payment) is a vendor's; an employee whose home address equals a "
    "vendor's address but nothing else is at low.",
    amount="0: the rule puts no money at risk.",
    proper=(
        "A vendor in another unit of the employee's building (the unit number is part of "
        "the address).",
        "A vendor with the employee's name but another TIN, account and address.",
    ),
    query=query,
    summary=summary,
    why=why,
    needs=frozenset({"roster", "payroll", "vendors"}),
    # An (employee, vendor) finding reads the payroll only through that employee's payments
    # into the vendor's account (the TIN and address matches read the roster): only a
    # payment into a vendor's account can make one appear (and an employee who already
    # has a finding is recomputed whenever paid).
    scope=Scope(
        key="p.employee_id",
        touched="EXISTS (SELECT 1 FROM vendors v WHERE v.bank_routing = p.bank_routing "
        "AND v.bank_account = p.bank_account)",
        owner="_employee_key",
    ),
)
