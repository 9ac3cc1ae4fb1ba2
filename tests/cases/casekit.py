"""Constants and helpers of the case tests. The agency conftest.py builds (once): VA1 paid after separation; VA2 paid twice for one period; VA3 and VA4 clean (VA4
never replied to the mandatory check-in, which must never show anywhere in a case); DOD1
paid after separation in another agency (the IDOR target); XSS1, whose roster name is a
script tag, paid after separation too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from headcount.store import Store

SECRET = b"case-test-secret-" + b"s" * 40
PASSWORD = "correct horse battery staple 42"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
USERS = {
    "ana": ("analyst", "VA"),
    "bob": ("analyst", "VA"),
    "dee": ("analyst", "DOD"),
    "adm": ("admin", None),
    "aud": ("auditor", None),
    "sup": ("supervisor", "VA"),
    "emp": ("employee", "VA"),
    "ira": ("integrity", "VA"),
    "ivy": ("integrity", "VA"),
    "fin": ("finance", "VA"),
    "fay": ("finance", "VA"),
    "fred": ("finance", "DOD"),
}


# Every letter names whom to write to: a notice is refused for an agency without a contact.
CONTACTS = {
    "VA": "VA Payroll Office, 810 Vermont Ave NW, Washington, DC 20420; payroll@va.example; "
    "202-555-0100",
    "DOD": "DFAS Payroll Office, 8899 E 56th St, Indianapolis, IN 46249; pay@dfas.example",
}


def set_contacts(db: Store) -> None:
    from headcount.cases.notices import set_agency_terms

    with db.begin() as s:
        for agency, contact in CONTACTS.items():
            set_agency_terms(s, agency, contact=contact)


def notice_token(db: Store, notice_id: int) -> str:
    """The long link token of a notice (the letter prints the short link that opens it)."""
    from headcount.cases.models import Notice
    from headcount.cases.notices import contest_signer, link_token

    with db.begin() as s:
        deadline = s.get_one(Notice, notice_id).deadline
    return link_token(contest_signer(SECRET), notice_id, deadline)


@dataclass(frozen=True)
class World:
    data: Path
    results: Path
    ssns: dict[str, str]  # employee_id -> roster SSN (to look for in clear text)
    accounts: dict[str, str]  # employee_id -> bank account number


def case_id(db: Store, rule: str, employee_id: str) -> int:
    from sqlalchemy import select

    from headcount.cases.models import Case, CasePerson, Person

    with db.begin() as s:
        return s.scalars(
            select(Case.id)
            .join(CasePerson, CasePerson.case_id == Case.id)
            .join(Person, Person.id == CasePerson.person_id)
            .where(Case.rule == rule, Person.employee_id == employee_id)
        ).one()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def matched(pattern: str, text: str, group: int = 1, flags: int = 0) -> str:
    """One group of the pattern's first match in the text; the test fails if there is none."""
    match = re.search(pattern, text, flags)
    assert match, f"{pattern!r} not found in the page"
    return match.group(group)


def emailed(db: Store, cid: int, at: datetime, kind: str = "notice") -> list[int]:
    """Record the case's queued letters of `kind` as accepted by a mail server at `at` (what
    the email sender records on the server's answer; tests/cases/test_delivery.py sends
    through a real SMTP server). Returns the letters' ids."""
    from sqlalchemy import select

    from headcount.cases.delivery.models import Letter
    from headcount.cases.delivery.record import record_sent

    with db.begin() as s:
        letters = s.scalars(
            select(Letter).where(Letter.case_id == cid, Letter.kind == kind,
                                 Letter.state == "queued").order_by(Letter.id)
        ).all()  # fmt: skip
        for letter in letters:
            record_sent(s, letter, actor="cli:test", accepted_at=at)
        return [letter.id for letter in letters]


def past_the_contest_period(db: Store, cid: int, who: object) -> datetime:
    """Verify the case, send its notice 32 days ago (emailed at once) and record that no
    contest came once the period ended; returns that moment (from which a determination
    against someone may be recorded, so also now)."""
    from headcount.cases import notices, workflow
    from headcount.cases.models import Case
    from headcount.store import utcnow

    sent_at = utcnow() - timedelta(days=32)
    with db.begin() as s:
        workflow.verify(s, cid, who, source="HR record of separation")  # type: ignore[arg-type]
        notices.send_notice(
            s, cid, who, signer=notices.contest_signer(SECRET),  # type: ignore[arg-type]
            base_url="https://hc.example.gov", now=sent_at,
        )  # fmt: skip
    emailed(db, cid, sent_at)
    with db.begin() as s:
        late = s.get_one(Case, cid).contest_deadline
        assert late is not None
        workflow.record_no_contest(s, cid, who, now=late)  # type: ignore[arg-type]
    return late
