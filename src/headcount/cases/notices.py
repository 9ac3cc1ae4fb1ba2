"""Sending the notice: one letter per person named, each with a signed, expiring link to read
it and contest it, stored and queued for delivery (cases/delivery/). The contest period
starts when delivery is recorded: until then a notice's deadline is the earliest it can be
(made + the agency's contest period, the date the letter prints) and the case has none.

A link token is `itsdangerous`-signed `[notice_id, expiry]` (the check-in links' Signer with
its own purpose, so a check-in link can never pass as a contest link). It keeps working
READ_GRACE after the deadline so the person can read the notice and what they sent; the
contest form itself closes at the deadline.

The letter prints a short link instead (`/n/123-k3v9q2xw7m4d`, typed from paper): the notice
id and 60 bits of an HMAC of it under the same key; it expires with the notice and opens
the long link.

A notice is refused when no agency the case names has a contact: every letter must say whom
to write to.
"""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.cases.access import Actor, CaseError
from headcount.cases.delivery.models import LetterKind
from headcount.cases.delivery.periods import period_end
from headcount.cases.delivery.queue import queue_letter
from headcount.cases.letters import letter_html, letter_pdf
from headcount.cases.models import AgencySetting, Notice, State
from headcount.cases.workflow import expect_state, transition, worked_case
from headcount.checkins.links import LinkError, Signer
from headcount.store.types import utcnow

CONTEST_DAYS = 30
READ_GRACE = timedelta(days=60)
NOTICE_PATH = "/notice/"
SHORT_PATH = "/n/"
SIGNER_PURPOSE = "contest-link"
SHORT_CODE = re.compile(r"([1-9][0-9]{0,17})-([a-z2-7]{12})")


def contest_signer(secret: bytes) -> Signer:
    return Signer(secret, SIGNER_PURPOSE)


@dataclass(frozen=True)
class AgencyTerms:
    days: int
    contact: str


def agency_terms(session: Session, agencies: set[str]) -> AgencyTerms:
    """The longest contest period among the agencies the case names (the person most
    protected wins), and the first contact given."""
    settings = session.scalars(
        select(AgencySetting).where(AgencySetting.agency.in_(sorted(agencies)))
    ).all()
    days = max([CONTEST_DAYS, *(s.contest_days for s in settings)])
    contact = next((s.contact for s in sorted(settings, key=lambda s: s.agency) if s.contact), "")
    return AgencyTerms(days, contact)


def _short_mac(signer: Signer, notice_id: int) -> str:
    mac = hmac.new(signer.secret, f"headcount.notice-short:{notice_id}".encode(), "sha256")
    return base64.b32encode(mac.digest()).decode("ascii").lower()[:12]


def short_code(signer: Signer, notice_id: int) -> str:
    return f"{notice_id}-{_short_mac(signer, notice_id)}"


def short_link(signer: Signer, base_url: str, notice_id: int) -> str:
    return f"{base_url.rstrip('/')}{SHORT_PATH}{short_code(signer, notice_id)}"


def token_for_short_code(
    session: Session, signer: Signer, code: str, now: datetime | None = None
) -> str:
    """The long link token a short code stands for; LinkError invalid/expired otherwise."""
    found = SHORT_CODE.fullmatch(code.lower())
    if found is None or not hmac.compare_digest(
        found.group(2), _short_mac(signer, int(found.group(1)))
    ):
        raise LinkError("invalid")
    notice = session.get(Notice, int(found.group(1)))
    if notice is None:
        raise LinkError("invalid")
    if (now or utcnow()) >= notice.deadline + READ_GRACE:
        raise LinkError("expired")
    return link_token(signer, notice.id, notice.deadline)


def link_token(signer: Signer, notice_id: int, deadline: datetime) -> str:
    return signer.dumps([notice_id, int((deadline + READ_GRACE).timestamp())])


def notice_for_token(
    session: Session, signer: Signer, token: str, now: datetime | None = None
) -> Notice:
    """The notice a link opens; LinkError invalid/expired otherwise."""
    value = signer.loads(token)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)):
        raise LinkError("invalid")
    if (now or utcnow()) >= datetime.fromtimestamp(value[1], UTC):
        raise LinkError("expired")
    notice = session.get(Notice, value[0])
    if notice is None:
        raise LinkError("invalid")
    return notice


def send_notice(
    session: Session, case_id: int, actor: Actor, *, signer: Signer, base_url: str,
    now: datetime | None = None,
) -> list[Notice]:  # fmt: skip
    """Write each person's letter (HTML and PDF), start the contest period, move the case."""
    case = worked_case(session, case_id, actor, "send a notice")
    expect_state(case, frozenset({State.VERIFIED}), "send the notice of")
    now = now or utcnow()
    agencies = {p.agency for p in case.people}
    terms = agency_terms(session, agencies)
    if not terms.contact:
        names = ", ".join(sorted(agencies))
        raise CaseError(
            f"no contact is set for {names}: a letter must say whom to write to. Set it with "
            f'`headcount cases agency {min(agencies)} --contact "office, address, email, phone"`, '
            "then send the notice"
        )
    deadline = period_end(now, terms.days)
    notices = []
    for person in case.people:
        notice = Notice(
            case_id=case.id, person_id=person.id, sent_at=now, deadline=deadline, html="", pdf=b""
        )
        session.add(notice)
        session.flush()
        notice.link = short_link(signer, base_url, notice.id)
        notice.html = letter_html(
            case, person, sent_at=now, deadline=deadline, link=notice.link,
            agency_contact=terms.contact, days=terms.days,
        )  # fmt: skip
        notice.pdf = letter_pdf(notice.html)
        queue_letter(session, LetterKind.NOTICE, case, person, html=notice.html, pdf=notice.pdf,
                     reference=case.finding_id, now=now, notice_id=notice.id)  # fmt: skip
        notices.append(notice)
    # The contest period starts when the letters are delivered (cases/delivery/record.py).
    case.notice_sent_at, case.contest_deadline = now, None
    transition(
        session, case, actor.username, "send_notice", State.NOTICE_SENT, now=now,
        note=f"{len(notices)} letter(s) queued; contest period {terms.days} days from delivery",
        client=actor.client, detail={"letters": len(notices), "contest_days": terms.days},
    )  # fmt: skip
    return notices


def set_agency_terms(
    session: Session, agency: str, *, days: int | None = None, contact: str | None = None
) -> AgencySetting:
    if days is not None and days < CONTEST_DAYS:
        raise CaseError(f"the contest period is at least {CONTEST_DAYS} days (5 U.S.C. 552a(p))")
    setting = session.get(AgencySetting, agency) or AgencySetting(
        agency=agency, contest_days=CONTEST_DAYS, contact=""
    )
    if days is not None:
        setting.contest_days = days
    if contact is not None:
        setting.contact = contact.strip()[:500]
    session.add(setting)
    return setting
