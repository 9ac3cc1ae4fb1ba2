"""SHARED_BANK_ACCOUNT: one bank account receiving pay for several people."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope
from headcount.rules.sql import finding_head, full_name, masked_account, norm_text


def query(d: Dialect) -> str:
    address = norm_text(d, "coalesce(r.home_address, '') || ' ' || coalesce(r.city, '')")
    member = d.struct(
        employee_id="m.employee_id",
        name="m.name",
        in_roster="m.in_roster",
        payments="m.payments",
        gross_paid="m.gross_paid",
    )
    return f"""
    WITH paid AS (
        SELECT bank_routing, bank_account, employee_id, count(*) AS payments,
               sum(gross_pay) AS gross_paid
        FROM payroll
        WHERE bank_routing IS NOT NULL AND bank_account IS NOT NULL AND employee_id IS NOT NULL
        GROUP BY bank_routing, bank_account, employee_id
    ),
    shared AS (
        SELECT bank_routing, bank_account FROM paid
        GROUP BY bank_routing, bank_account HAVING count(*) >= 2
    ),
    members AS (
        SELECT p.*, r.employee_id IS NOT NULL AS in_roster, {full_name("r")} AS name,
               {norm_text(d, "r.last_name")} AS surname, {address} AS address
        FROM paid p
        JOIN shared s ON s.bank_routing = p.bank_routing AND s.bank_account = p.bank_account
        LEFT JOIN roster r ON r.employee_id = p.employee_id
    )
    SELECT {finding_head(d, "SHARED_BANK_ACCOUNT", "m.bank_routing || '|' || m.bank_account", d.sorted_list("m.employee_id"))},
           CASE WHEN household THEN 'low' ELSE 'medium' END AS severity,
           household AS one_household,
           m.bank_routing, {masked_account("m.bank_account")} AS bank_account,
           {d.ordered_list(member, "m.employee_id")} AS payees
    FROM (
        SELECT m.*, (
            min(CAST(in_roster AS INTEGER)) OVER w = 1
            AND count(surname) OVER w = count(*) OVER w
            AND min(surname) OVER w = max(surname) OVER w
            AND length(min(address) OVER w) > 0
            AND min(address) OVER w = max(address) OVER w
        ) AS household
        FROM members m
        WINDOW w AS (PARTITION BY bank_routing, bank_account)
    ) m
    GROUP BY m.bank_routing, m.bank_account, m.household
    """


def summary(row: RuleRow) -> str:
    ids = ", ".join(row["employee_ids"])
    account = f"account {row['bank_account']} at routing {row['bank_routing']}"
    if row["one_household"]:
        return (
            f"{len(row['employee_ids'])} employees of one household (same surname and home "
            f"address) are paid into {account}: {ids}."
        )
    return f"{len(row['employee_ids'])} different payees are paid into the same {account}: {ids}."


def why(row: RuleRow) -> str:
    if row["one_household"]:
        return (
            "Several employee_ids are paid into one account; they share surname and home "
            "address on the roster, so it is most likely a household account."
        )
    return (
        "Several employee_ids that are not one household (same surname and home address on "
        "the roster) are paid into one account."
    )


RULE = Rule(
    code="SHARED_BANK_ACCOUNT",
    severity=Severity.MEDIUM,
    other_severities=(Severity.LOW,),
    title="Shared bank account",
    flags="One account (routing + account) paid for two or more employee_ids that are not one "
    "household; a household (same surname and home address) sharing an account is reported "
    "at low.",
    amount="0: the rule puts no money at risk.",
    proper=("Spouses or relatives with the same surname and home address (reported at low).",),
    query=query,
    summary=summary,
    why=why,
    needs=frozenset({"payroll"}),
    # An account without a finding had one payee at most: only a payee new to it can
    # make a second.
    scope=Scope(
        key="p.bank_routing || '|' || p.bank_account",
        touched="FALSE",
        new_combinations=("bank_routing", "bank_account", "employee_id"),
    ),
)
