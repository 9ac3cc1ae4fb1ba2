"""POSSIBLE_DEATH_MATCH: a death record that is this payee in all but the SSN.

The exact death rules join on the SSN. A digit mistyped in the roster or in the death file
hides a real death from them; this rule looks for the same person by name and birth date
instead, as Do Not Pay's fuzzy matching does. It is a lead, never more than low.
"""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.matching.names import NICKNAME_TABLE, given_equivalent, surname_equivalent
from headcount.rules.base import Rule, RuleRow, Scope, plural
from headcount.rules.sql import REGULAR, masked_ssn, payments_list, period_start


def _norm(expr: str) -> str:
    """A name as the contract compares it: case-insensitive, surrounding spaces trimmed."""
    return f"lower(trim({expr}))"


def picked(d: Dialect) -> str:
    """CTEs ending in `picked`: per roster employee, the earliest death record that is
    that person in all but the SSN (from the roster and deaths alone)."""
    # Candidates share the full birth date and either the surname or the given name as
    # written; the name tests then allow the contract's typos and nicknames on the other.
    candidate = """
        SELECT r.employee_id, d._row AS death_row, d.source AS death_source
        FROM roster r JOIN deaths d
          ON d.date_of_birth_lo = r.date_of_birth AND d.date_of_birth_hi = r.date_of_birth
         AND {key}
        WHERE NOT coalesce(d.ssn = r.ssn, FALSE)
    """
    middle_conflict = f"left({_norm('r.middle_name')}, 1) <> left({_norm('d.middle_name')}, 1)"
    return f"""
    candidates AS (
        {candidate.format(key=f"{_norm('d.last_name')} = {_norm('r.last_name')}")}
        UNION
        {candidate.format(key=f"{_norm('d.first_name')} = {_norm('r.first_name')}")}
    ),
    matched AS (
        SELECT c.employee_id, d.*, r.first_name AS roster_first_name,
               r.last_name AS roster_last_name, r.ssn AS roster_ssn,
               coalesce(d.proof_code IN ('V', 'P'), FALSE) OR cd._row IS NOT NULL
                   AS corroborated
        FROM candidates c
        JOIN roster r ON r.employee_id = c.employee_id
        JOIN deaths d ON d._row = c.death_row AND d.source = c.death_source
        LEFT JOIN corroborated_deaths cd ON cd.source = d.source AND cd._row = d._row
        LEFT JOIN {NICKNAME_TABLE} nk
          ON nk.a = {_norm("r.first_name")} AND nk.b = {_norm("d.first_name")}
        WHERE {surname_equivalent(d, "r.last_name", "d.last_name")}
          AND {given_equivalent(d, "r.first_name", "d.first_name", "nk")}
          -- Two middle names that both exist and disagree are two people.
          AND NOT coalesce({middle_conflict}, FALSE)
          AND d.date_of_death IS NOT NULL
          -- Already a PAID_AFTER_DEATH-grade match under the roster SSN: covered there.
          AND r.employee_id NOT IN (SELECT employee_id FROM death_matches WHERE agreements >= 2)
    ),
    picked AS (
        SELECT * FROM (
            SELECT m.*, row_number() OVER (
                PARTITION BY m.employee_id
                ORDER BY m.date_of_death, m.source, m._row) AS pick
            FROM matched m
        ) ranked WHERE pick = 1
    )"""


def query(d: Dialect) -> str:
    return f"""
    WITH {picked(d)},
    paid AS (
        SELECT p.employee_id, {d.sorted_list("p.payment_id")} AS payment_ids,
               {payments_list(d, "p", "0")} AS payments
        FROM payroll p JOIN picked m ON m.employee_id = p.employee_id
        WHERE p.payment_type = {REGULAR} AND {period_start(d)} > m.date_of_death
        GROUP BY p.employee_id
    )
    SELECT 'POSSIBLE_DEATH_MATCH|' || m.employee_id AS finding_key,
           {d.array("m.employee_id")} AS employee_ids, paid.payment_ids,
           CAST(0 AS DECIMAL(18,2)) AS amount_at_risk,
           m.roster_first_name || ' ' || m.roster_last_name AS roster_name,
           {masked_ssn("m.roster_ssn")} AS ssn,
           {
        d.struct(
            source="m.source",
            row="m._row",
            last_name="m.last_name",
            first_name="m.first_name",
            middle_name="m.middle_name",
            date_of_death="m.date_of_death",
            date_of_death_partial="m.date_of_death_partial",
            ssn=masked_ssn("m.ssn"),
            ssn_matches_roster="FALSE",
            surname_agrees="TRUE",
            given_name_agrees="TRUE",
            date_of_birth_agrees="TRUE",
            corroborated="m.corroborated",
        )
    } AS death_record,
           paid.payments
    FROM picked m JOIN paid ON paid.employee_id = m.employee_id
    """


def summary(row: RuleRow) -> str:
    record = row["death_record"]
    return (
        f"{row['roster_name']} ({row['employee_ids'][0]}) was paid "
        f"{plural(len(row['payment_ids']), 'regular payment')} for periods after "
        f"{record['date_of_death']}, the date of death in a death record ({record['source']} "
        f"row {record['row']}) with the same name and birth date but a different SSN "
        f"({_ssns(record['ssn'], row['ssn'])}): check with SSA which SSN is right."
    )


def _ssns(death: str | None, roster: str | None) -> str:
    if not death:
        return f"none on the death record, {roster} on the roster"
    if death == roster:
        return f"both end {death[-4:]}; they differ in the first five digits"
    return f"{death} on the death record, {roster} on the roster"


WHY = (
    "A death record agrees with this paid employee on surname, given name (nicknames and "
    "one typo allowed) and full date of birth, but carries another SSN, so the exact death "
    "rules cannot see it. One of the two SSNs may be mistyped. A lead: verify with SSA "
    "before anything else; nothing is called at risk."
)


RULE = Rule(
    code="POSSIBLE_DEATH_MATCH",
    severity=Severity.LOW,
    title="Possible death match (SSN differs)",
    flags="A paid roster employee, with regular payments for periods starting after a date "
    "of death, whose surname, given name and full date of birth match that death record "
    "although its SSN differs (a likely typo in one of the files). A lead, never proof.",
    amount="0: a lead puts no money at risk until the death is confirmed; the payments "
    "after the date of death are listed.",
    proper=(
        "A death record with the roster SSN (see PAID_AFTER_DEATH and DEATH_RECORD_CONFLICT).",
        "Middle names that both exist and differ.",
        "No regular payment for a period starting after the date of death.",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster", "payroll", "deaths"}),
    # Only an employee with such a death record (from the roster and deaths alone), paid
    # a new regular payment, can gain a finding.
    scope=Scope(
        key="p.employee_id",
        touched=f"p.payment_type = {REGULAR} AND p.employee_id IN "
        f"(WITH {picked(Dialect())} SELECT employee_id FROM picked)",
    ),
)
