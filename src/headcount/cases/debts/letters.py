"""The notice of debt (HTML; the PDF is cases.letters.letter_pdf of the same page): the
amount, the reason, and the rights to inspect the records, to request a waiver and a
hearing, and to propose a repayment schedule."""

from __future__ import annotations

from datetime import datetime

from headcount.cases.debts.models import Debt
from headcount.cases.letters import money, rule_title, templates


def reference(debt: Debt) -> str:
    """What identifies the debt in a letter, a subject line or a file: never PII."""
    return f"DEBT-{debt.id}/{debt.case.finding_id}"


def notice_html(debt: Debt, *, sent_at: datetime, contact: str) -> str:
    return templates.get_template("debt_notice.html.j2").render(
        debt=debt, person=debt.person, sent_at=sent_at, reference=reference(debt),
        title=rule_title(debt.case.rule), contact=contact, money=money,
    )  # fmt: skip
