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
from headcount.cases.contests import attachment_rules
from headcount.cases.models import Case, Person
from headcount.report.evidence_words import HIDDEN, label, words
from headcount.rules import get_rule

templates = Environment(
    loader=PackageLoader("headcount.cases", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


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
        payments=payments, money=money, attachment_rules=attachment_rules(),
        summary=summary_for(case, person), **context,
    )  # fmt: skip


def letter_html(
    case: Case, person: Person, *, sent_at: datetime, deadline: datetime, link: str,
    agency_contact: str, days: int = 30,
) -> str:  # fmt: skip
    """The notice. `deadline` is the earliest the contest period can end (the letter goes out
    no sooner than it is made); the period runs `days` from the day it is delivered."""
    return _render(
        "notice.html.j2", case, person, sent_at=sent_at, deadline=deadline, link=link,
        contact=agency_contact, days=days,
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
