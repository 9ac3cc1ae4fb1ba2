"""DEATH_RECORD_CONFLICT: a death record carries the roster SSN but not the person's identity."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import UNCHANGED_BY_PAYROLL, Rule, RuleRow
from headcount.rules.sql import death_record, masked_ssn


def query(d: Dialect) -> str:
    return f"""
    SELECT 'DEATH_RECORD_CONFLICT|' || m.employee_id || '|' || m.death_source || '|'
               || {d.as_text("m.death_row")} AS finding_key,
           {d.array("m.employee_id")} AS employee_ids,
           {d.empty_text_list()} AS payment_ids,
           CAST(0 AS DECIMAL(18,2)) AS amount_at_risk,
           m.roster_first_name || ' ' || m.roster_last_name AS roster_name,
           {masked_ssn("r.ssn")} AS ssn,
           {death_record(d, "m")} AS death_record,
           m.agreements
    FROM death_matches m JOIN roster r ON r.employee_id = m.employee_id
    WHERE m.agreements < 2
    """


def summary(row: RuleRow) -> str:
    record = row["death_record"]
    return (
        f"A death record ({record['source']} row {record['row']}, "
        f"{record['first_name'] or '?'} {record['last_name'] or '?'}) carries the SSN of "
        f"{row['roster_name']} ({row['employee_ids'][0]}) but agrees on only "
        f"{row['agreements']} of surname, given name and date of birth: likely mis-keyed; "
        "verify with SSA and do not stop pay on it."
    )


WHY = (
    "Same SSN as the roster record, but fewer than two of surname, given name and "
    "date of birth agree, so the record most likely belongs to someone else."
)


RULE = Rule(
    code="DEATH_RECORD_CONFLICT",
    severity=Severity.LOW,
    title="Death record conflicts with roster",
    flags="A death record with the roster SSN that agrees on fewer than two of surname, given "
    "name and date of birth: a likely mis-keyed record. Verify with SSA; never stop pay on it.",
    amount="0: the rule puts no money at risk.",
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster", "deaths"}),
    scope=UNCHANGED_BY_PAYROLL,
)
