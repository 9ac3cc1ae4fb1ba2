"""BANK_CHANGE_AFTER_EXIT: the pay account switched after the person left or died, and paid."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope, money, plural
from headcount.rules.sql import (
    account_part,
    change_struct,
    finding_head,
    full_name,
    masked_account,
    payments_list,
)


def _changes() -> str:
    """The CTEs up to `changes`: bank_account changes keyed after the employee's exit."""
    keyed_on = "CAST(c.entered_at AS DATE)"
    return f"""
    WITH died AS (
        SELECT employee_id, max(date_of_death) AS date_of_death FROM death_matches
        WHERE agreements >= 2 AND date_of_death IS NOT NULL GROUP BY employee_id
    ),
    exits AS (
        SELECT r.employee_id, {full_name("r")} AS roster_name, r.separation_date,
               died.date_of_death, least(r.separation_date, died.date_of_death) AS exit_date
        FROM roster r LEFT JOIN died ON died.employee_id = r.employee_id
        WHERE r.separation_date IS NOT NULL OR died.date_of_death IS NOT NULL
    ),
    changes AS (
        SELECT c.*, {account_part("c.new_value", 1)} AS new_routing,
               {account_part("c.new_value", 2)} AS new_account, {keyed_on} AS keyed_on
        FROM hr_changes c JOIN exits e ON e.employee_id = c.employee_id
        WHERE c.field = 'bank_account' AND {keyed_on} > e.exit_date
    )"""


def query(d: Dialect) -> str:
    return f"""{_changes()},
    paid AS (
        -- A semi-join (a payment once, however many changes it follows) reads only the
        -- columns used, where DISTINCT p.* would read every one.
        SELECT p.* FROM payroll p
        WHERE EXISTS (SELECT 1 FROM changes c
                      WHERE c.employee_id = p.employee_id AND c.new_routing = p.bank_routing
                        AND c.new_account = p.bank_account AND p.pay_date >= c.keyed_on)
    ),
    payments AS (
        SELECT p.employee_id, {d.sorted_list("p.payment_id")} AS payment_ids,
               sum(p.gross_pay) AS amount_at_risk, {payments_list(d, "p", "p.gross_pay")} AS payments
        FROM paid p GROUP BY p.employee_id
    ),
    used AS (
        SELECT c.employee_id, {d.ordered_list(change_struct(d, "c"), "c.entered_at, c.change_id")}
                   AS changes,
               {d.sorted_list(masked_account("c.new_account"))} AS new_accounts
        FROM changes c
        WHERE EXISTS (SELECT 1 FROM paid p WHERE p.employee_id = c.employee_id
                      AND p.bank_routing = c.new_routing AND p.bank_account = c.new_account
                      AND p.pay_date >= c.keyed_on)
        GROUP BY c.employee_id
    )
    SELECT {finding_head(d, "BANK_CHANGE_AFTER_EXIT", "e.employee_id", d.array("e.employee_id"), payments="pm.payment_ids", amount="pm.amount_at_risk")},
           e.roster_name, e.separation_date, e.date_of_death, e.exit_date,
           u.changes, u.new_accounts, pm.payments
    FROM exits e JOIN used u ON u.employee_id = e.employee_id
    JOIN payments pm ON pm.employee_id = e.employee_id
    """


def _exit(row: RuleRow) -> str:
    sep, died = row["separation_date"], row["date_of_death"]
    if sep is not None and (died is None or sep <= died):
        return f"separated on {sep}"
    return f"died on {died} (a death record agreeing on at least two identity fields)"


def summary(row: RuleRow) -> str:
    first = row["changes"][0]
    return (
        f"The bank account of {row['roster_name']} ({row['employee_ids'][0]}), who "
        f"{_exit(row)}, was changed on {str(first['entered_at'])[:10]} (change "
        f"{first['change_id']}), and {plural(len(row['payment_ids']), 'payment')} totalling "
        f"{money(row['amount_at_risk'])} then went into the new account."
    )


WHY = (
    "A bank_account change was keyed (entered_at) after the employee's separation date or "
    "after the date of death in a death record agreeing on at least two identity fields, "
    "and pay then went into the new account: the classic way a departed employee's pay "
    "is diverted."
)


RULE = Rule(
    code="BANK_CHANGE_AFTER_EXIT",
    severity=Severity.HIGH,
    title="Bank account changed after exit",
    flags="A bank_account change keyed (entered_at) after the employee's separation date or "
    "after the date of death of a PAID_AFTER_DEATH-grade death record, followed by any "
    "payment into the new account.",
    amount="Gross of the payments into the new account on or after the day of the change.",
    proper=(
        "A change keyed on or before the separation date (even if effective later).",
        "A change after exit that no payment ever used.",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster", "payroll", "hr_changes"}),
    # A finding reads its employee's payments only (the exits and changes come from the
    # roster, death matches and hr_changes, which an append leaves alone): only a payment
    # into an account changed after the employee's exit, on or after the day of the
    # change, can make one appear.
    scope=Scope(
        key="p.employee_id",
        touched=f"""EXISTS ({_changes()}
            SELECT 1 FROM changes c WHERE c.employee_id = p.employee_id
              AND c.new_routing = p.bank_routing AND c.new_account = p.bank_account
              AND p.pay_date >= c.keyed_on)""",
    ),
)
