"""PAID_AFTER_DEATH: regular pay for periods that start after a matched date of death."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope, money, plural
from headcount.rules.sql import REGULAR, death_record, masked_ssn, payments_list, period_start

# The latest date among PAID_AFTER_DEATH-grade records wins, so no payment is called
# improper on the strength of an earlier, possibly wrong, record.
DEATH_RECORD = """
    SELECT * FROM (
        SELECT m.*, row_number() OVER (
            PARTITION BY m.employee_id
            ORDER BY m.date_of_death DESC, m.death_source, m.death_row) AS pick
        FROM death_matches m
        WHERE m.agreements >= 2 AND m.date_of_death IS NOT NULL
    ) ranked WHERE pick = 1
"""


def query(d: Dialect) -> str:
    return f"""
    WITH record AS ({DEATH_RECORD}),
    paid AS (
        SELECT p.employee_id, {d.sorted_list("p.payment_id")} AS payment_ids,
               sum(p.gross_pay) AS amount_at_risk,
               {payments_list(d, "p", "p.gross_pay")} AS payments
        FROM payroll p JOIN record r ON r.employee_id = p.employee_id
        WHERE p.payment_type = {REGULAR} AND {period_start(d)} > r.date_of_death
        GROUP BY p.employee_id
    ),
    records AS (
        SELECT m.employee_id,
               {d.ordered_list(death_record(d, "m"), "m.date_of_death, m.death_source, m.death_row")}
                   AS death_records
        FROM death_matches m WHERE m.agreements >= 2 AND m.date_of_death IS NOT NULL
        GROUP BY m.employee_id
    )
    SELECT 'PAID_AFTER_DEATH|' || r.employee_id AS finding_key,
           {d.array("r.employee_id")} AS employee_ids, paid.payment_ids,
           paid.amount_at_risk,
           r.roster_first_name || ' ' || r.roster_last_name AS roster_name,
           {masked_ssn("ro.ssn")} AS ssn,
           {death_record(d, "r")} AS death_record,
           records.death_records,
           paid.payments
    FROM record r JOIN paid ON paid.employee_id = r.employee_id
    JOIN roster ro ON ro.employee_id = r.employee_id
    JOIN records ON records.employee_id = r.employee_id
    """


def _agreeing(record: RuleRow) -> str:
    parts = [
        label
        for key, label in (
            ("surname_agrees", "surname"),
            ("given_name_agrees", "given name"),
            ("date_of_birth_agrees", "date of birth"),
        )
        if record.get(key)
    ]
    return " and ".join(", ".join(parts).rsplit(", ", 1))


def summary(row: RuleRow) -> str:
    record = row["death_record"]
    partial = (
        " (a partial date, read as its last possible day)"
        if record["date_of_death_partial"]
        else ""
    )
    return (
        f"{row['roster_name']} ({row['employee_ids'][0]}) received "
        f"{plural(len(row['payment_ids']), 'regular payment')} totalling "
        f"{money(row['amount_at_risk'])} for pay periods starting after "
        f"{record['date_of_death']}{partial}, the date of death in a death record "
        f"({record['source']}) with the same SSN that also agrees on {_agreeing(record)}"
        f"{_confirmation(record)}."
    )


def _confirmation(record: RuleRow) -> str:
    if record["corroborated"]:
        return "; another source or SSA's proof code corroborates the death"
    return (
        "; the death is not corroborated by a second source, so SSA must confirm it "
        "before pay stops"
    )


WHY = (
    "The death record's SSN equals the roster SSN and it agrees on at least two of "
    "surname, given name and date of birth; these regular payments are for periods that "
    "start after the date of death (the latest such record's date, so no payment is called "
    "improper on an earlier, possibly wrong, one). death_records lists every such record "
    "with its source and whether a second source (or SSA's V/P proof code) corroborates "
    "it. An uncorroborated death is a lead: confirm with SSA before any action."
)


RULE = Rule(
    code="PAID_AFTER_DEATH",
    severity=Severity.HIGH,
    title="Paid after death",
    flags="Regular payments for pay periods that start after the date of death in a death "
    "record whose SSN matches the roster SSN and which agrees on at least two of surname, "
    "given name and date of birth.",
    amount="Gross of those payments.",
    proper=(
        "Final pay for the period in which the death falls (the period started on or before it).",
        "A partial date of death (day or month 00) counts as the last day it could be.",
        "A death record that agrees on fewer than two fields (see DEATH_RECORD_CONFLICT).",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster", "payroll", "deaths"}),
    scope=Scope(
        key="p.employee_id",
        touched=f"p.payment_type = {REGULAR} AND p.employee_id IN "
        "(SELECT employee_id FROM death_matches WHERE agreements >= 2)",
    ),
)
