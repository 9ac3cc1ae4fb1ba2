"""Evidence in words: the human label of each field the rules' evidence carries, values as
a person reads them (yes/no, a file named by what it holds), and a finding's evidence as
facts and tables. One vocabulary for the report, the case pages and the letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The words for evidence fields; any other field is shown with its name made readable.
LABELS = {
    "ssn": "Social Security number (last 4 digits)",
    "roster_ssn": "Social Security number on the HR roster (last 4 digits)",
    "payment_ssns": "Social Security numbers on the payments (last 4 digits)",
    "payment_ssns_differing": "Social Security numbers on payments that differ from the roster",
    "roster_name": "Name on the HR roster",
    "payee_names": "Names on the payments",
    "payee_names_differing": "Names on payments that differ from the roster",
    "separation_date": "Separation date on the HR roster",
    "hire_date": "Hire date",
    "death_record": "Death record",
    "date_of_death": "Date of death",
    "date_of_death_partial": "Only part of the date of death is recorded",
    "date_of_birth_agrees": "Date of birth agrees with the HR roster",
    "given_name_agrees": "First name agrees with the HR roster",
    "surname_agrees": "Last name agrees with the HR roster",
    "ssn_matches_roster": "Social Security number matches the HR roster",
    "first_name": "First name",
    "middle_name": "Middle name",
    "last_name": "Last name",
    "source": "Where the record comes from",
    "periods": "Pay periods",
    "annual_cap": "Annual pay cap",
    "annual_salary": "Annual salary",
    "authority": "Legal authority for the cap",
    "cap_year": "Year of the cap",
    "pay_plan": "Pay plan",
    "period_cap": "Cap per pay period",
    "gross_paid": "Gross amount paid",
    "regular_payments": "Regular payments",
    "bank_account": "Bank account (last 4 digits)",
    "bank_routing": "Bank routing number",
    "one_household": "The payees appear to share one household",
    "agreements": "Fields that agree",
    "campaign_id": "Check-in campaign",
    "campaign_sent_at": "Check-in sent",
    "submitted_at": "Submitted",
    "text_excerpt": "Excerpt",
    "employee_id": "Employee number",
    "org_code": "Organisation",
    "work_email": "Work email",
    "in_roster": "On the HR roster",
    "payment_id": "Payment",
    "payment_type": "Type",
    "pay_period_start": "Pay period start",
    "pay_period_end": "Pay period end",
    "pay_date": "Paid on",
    "gross_pay": "Gross pay",
    "at_risk": "At risk",
    "match_probability": "Probability that the records are one person",
    "roster_records": "Records on the HR roster",
    "linked_pairs": "Pairs of records compared",
    "model": "Matching model",
    "checkins": "Check-ins",
    "checkin_rows": "Check-in rows",
    "payees": "Payees",
    "example_text": "Example text",
    "normalised_length": "Length of the text compared",
    "senders": "Senders",
    "payments": "Payments",
}
# The input files evidence names as a `source`, in words.
SOURCES = {
    "deaths": "the death records file",
    "roster": "the HR roster",
    "payroll": "the payroll records",
    "activity": "the activity records",
    "checkins": "the check-in records",
}
HIDDEN = frozenset({"why", "payments", "row", "roster_row"})  # said elsewhere, or file rows


def label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " ").capitalize())


def _source(value: str) -> str:
    stem = value.rsplit("/", 1)[-1].split(".", 1)[0]
    return SOURCES.get(stem, value)


def words(value: Any, key: str = "") -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "source" and isinstance(value, str):
        return _source(value)
    if isinstance(value, list):
        return ", ".join(words(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{label(k)}: {words(v, k)}" for k, v in value.items() if k not in HIDDEN)
    return str(value)


@dataclass(frozen=True)
class EvidenceTable:
    title: str
    columns: list[str]  # labels
    rows: list[list[str]]
    more: int = 0  # records left out (max_rows)


def evidence_tables(
    evidence: Any, max_rows: int = 50
) -> tuple[list[tuple[str, str]], list[EvidenceTable]]:
    """(label, value) facts and one table per list of records (payments included; at most
    `max_rows` rows each), for reading; the JSON stays one click away wherever this is shown."""
    if not isinstance(evidence, dict):
        return [], []
    facts: list[tuple[str, str]] = []
    tables: list[EvidenceTable] = []
    for key, value in evidence.items():
        if key == "why" or key.endswith("row"):
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            keys = [k for k in value[0] if k not in HIDDEN]
            tables.append(
                EvidenceTable(
                    label(key),
                    [label(k) for k in keys],
                    [[words(record.get(k), k) for k in keys] for record in value[:max_rows]],
                    max(0, len(value) - max_rows),
                )
            )
        else:
            facts.append((label(key), words(value, key)))
    return facts, tables
