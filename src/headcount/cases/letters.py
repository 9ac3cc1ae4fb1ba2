"""The letters: the notice (HTML, Jinja2, autoescaped) and the decision that ends a case,
each also as a tagged PDF/UA document (WeasyPrint) for screen readers (Section 508).

A letter tells its reader, in plain words, what was found, the amounts and payments, the
facts behind it with human labels, where they stand, what happens next, by when, and whom
to contact. It names no other person: a duplicate SSN names several people; each letter
names only its reader (other records are counted, other employee numbers in the summary
replaced), and shows SSNs and accounts only as the findings do, masked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from headcount.cases.access import CaseError
from headcount.cases.models import Case, Person
from headcount.rules import get_rule

templates = Environment(
    loader=PackageLoader("headcount.cases", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
# Attachments a contest may carry; said in the letter and enforced in cases/contests.py.
ATTACHMENT_RULES = "up to 5 files (PDF, PNG, JPEG or plain text), each at most 5 MB"
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
}
# The input files evidence names as a `source`, in words.
SOURCES = {
    "deaths": "the death records file",
    "roster": "the HR roster",
    "payroll": "the payroll records",
    "activity": "the activity records",
    "checkins": "the check-in records",
}
HIDDEN = frozenset({"why", "payments", "row", "roster_row"})


class LettersNotInstalled(CaseError):
    """WeasyPrint (the `letters` extra) is missing: no PDF can be written."""

    def __init__(self, error: ImportError) -> None:
        super().__init__(
            f"PDF letters need the 'letters' extra, which is not installed (missing module "
            f"{error.name}): pip install 'headcount[letters]'"
        )


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


def money(value: Decimal | float | int | None) -> str:
    return f"${Decimal(str(value or 0)):,.2f}"


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


def evidence_in_words(evidence: dict[str, Any]) -> tuple[str, list[Fact], list[dict[str, Any]]]:
    """(why it fired, the facts as label/value lines, the payments) for the letter. Lists of
    records are other people's or other files' rows: counted, not shown."""
    why = str(evidence.get("why", ""))
    facts: list[Fact] = []
    for key, value in evidence.items():
        if key in HIDDEN or key.endswith("row"):
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            records = "record" if len(value) == 1 else "records"
            facts.append(Fact(label(key), f"{len(value)} {records} (available to you on request)"))
        else:
            facts.append(Fact(label(key), words(value, key)))
    payments = [p for p in evidence.get("payments") or () if isinstance(p, dict)]
    return why, facts, payments


def rule_title(code: str) -> str:
    try:
        return get_rule(code).title
    except KeyError:
        return code


def summary_for(case: Case, reader: Person) -> str:
    """The finding's summary as its reader may see it: other people's employee numbers are
    replaced (a duplicate SSN's summary lists every record carrying it)."""
    text = case.summary
    for other in case.people:
        if other.employee_id != reader.employee_id:
            text = re.sub(
                rf"(?<![\w-]){re.escape(other.employee_id)}(?![\w-])",
                "another employee record",
                text,
            )
    return text


def _render(name: str, case: Case, person: Person, **context: Any) -> str:
    why, facts, payments = evidence_in_words(json.loads(case.evidence))
    return templates.get_template(name).render(
        case=case, person=person, title=rule_title(case.rule), why=why, facts=facts,
        payments=payments, money=money, attachment_rules=ATTACHMENT_RULES,
        summary=summary_for(case, person), **context,
    )  # fmt: skip


def letter_html(
    case: Case, person: Person, *, sent_at: datetime, deadline: datetime, link: str,
    agency_contact: str,
) -> str:  # fmt: skip
    return _render(
        "notice.html.j2", case, person, sent_at=sent_at, deadline=deadline, link=link,
        contact=agency_contact,
    )  # fmt: skip


def decision_html(case: Case, person: Person, *, agency_contact: str, link: str) -> str:
    """The letter that tells a person named what was decided, and what it means for them."""
    if case.determined_at is None or not case.outcome:
        raise CaseError(f"case {case.id} has no decision yet: there is no decision letter")
    return _render(
        "decision.html.j2", case, person, contact=agency_contact, link=link,
        decided_at=case.determined_at,
    )  # fmt: skip


def letter_pdf(html: str) -> bytes:
    """The letter as tagged PDF/UA-1 (structure tree, language, title), so a screen reader
    reads its headings, lists and tables in order. No base URL: the letter has no external
    resources to fetch."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except ImportError as exc:
        raise LettersNotInstalled(exc) from None
    pdf: bytes = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    return pdf
