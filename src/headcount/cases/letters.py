"""The notice letter: HTML (Jinja2, autoescaped) and the same page as PDF (WeasyPrint).

The letter tells the person, in plain words, what was found, the amounts and payments, the
facts behind it, that nothing will be done before the deadline, and how to contest. It leaves
out other people's records (a duplicate SSN names several people; each letter names only its
reader) and shows SSNs and accounts only as the findings do, masked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from headcount.cases.models import Case, Person
from headcount.rules import get_rule

templates = Environment(
    loader=PackageLoader("headcount.cases", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
# Attachments a contest may carry; said in the letter and enforced in cases/contests.py.
ATTACHMENT_RULES = "up to 5 files (PDF, PNG, JPEG or plain text), each at most 5 MB"


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


def money(value: Decimal | float | int | None) -> str:
    return f"${Decimal(str(value or 0)):,.2f}"


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _value(value: Any) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(v)}" for k, v in value.items() if k != "row")
    return str(value)


def evidence_in_words(evidence: dict[str, Any]) -> tuple[str, list[Fact], list[dict[str, Any]]]:
    """(why it fired, the facts as label/value lines, the payments) for the letter. Lists of
    records are other people's or other files' rows: counted, not shown."""
    why = str(evidence.get("why", ""))
    facts: list[Fact] = []
    for key, value in evidence.items():
        if key in ("why", "payments") or key.endswith("row"):
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            facts.append(Fact(_label(key), f"{len(value)} records (available to you on request)"))
        else:
            facts.append(Fact(_label(key), _value(value)))
    payments = [p for p in evidence.get("payments") or () if isinstance(p, dict)]
    return why, facts, payments


def rule_title(code: str) -> str:
    try:
        return get_rule(code).title
    except KeyError:
        return code


def letter_html(
    case: Case, person: Person, *, sent_at: datetime, deadline: datetime, link: str,
    agency_contact: str,
) -> str:  # fmt: skip
    why, facts, payments = evidence_in_words(json.loads(case.evidence))
    return templates.get_template("notice.html.j2").render(
        case=case, person=person, sent_at=sent_at, deadline=deadline, link=link,
        contact=agency_contact, title=rule_title(case.rule), why=why, facts=facts,
        payments=payments, money=money, attachment_rules=ATTACHMENT_RULES,
    )  # fmt: skip


def letter_pdf(html: str) -> bytes:
    """The letter as PDF. No base URL: the letter has no external resources to fetch."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
