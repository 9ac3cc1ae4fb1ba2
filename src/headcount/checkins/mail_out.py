"""Sending invitations and reminders over SMTP: every message at most once, every outcome
recorded.

Each message gets a fresh signed link (valid until the deadline) and a Message-ID that
names its delivery, so a bounce read back later finds it. A delivery goes queued → sending
(committed before the final dot: smtp.py) → sent, or deferred (a temporary failure: 4xx,
a dropped connection; retried a few times now and by the next run until MAX_ATTEMPTS, then
bounced_soft), or bounced_hard (a permanent refusal of the address: never emailed again).
A run that is killed leaves its last delivery `sending`, and no later run sends that again.
One commit per message, and those commits also carry the previous message's outcome.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from functools import partial
from typing import Any

from sqlalchemy import exists, false, func, insert, or_, select, update
from sqlalchemy.orm import Session

from headcount import audit
from headcount.checkins.campaigns import CampaignError, contactable_filter, get_campaign
from headcount.checkins.ledger import Ledger
from headcount.checkins.links import LINK_PATH, Signer, issue_link
from headcount.checkins.messages import Envelope, deadline_text, render
from headcount.checkins.models import (
    SUPPRESSED,
    Campaign,
    CampaignAgency,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Recipient,
    Reply,
)
from headcount.checkins.replies import ReplyError
from headcount.checkins.smtp import Failure, Mailer, MailerPool, SmtpSettings, describe
from headcount.i18n import negotiate, translations
from headcount.store import Store, utcnow

log = logging.getLogger("headcount.checkins.mail")
MAX_ATTEMPTS = 5
RETRIES_IN_RUN = 3
CHUNK = 500  # deliveries read, and links issued, per transaction
# This many messages in a row failing for want of a server stop the run: the rest stay
# queued for the next one rather than each waiting through its retries.
STOP_AFTER_CONNECTION_FAILURES = 10

__all__ = ["MAX_ATTEMPTS", "SendReport", "SmtpSettings", "send_invitations", "send_reminders"]


class SendStopped(CampaignError):
    """The SMTP server could not be reached or refused to let us send: the run stopped."""


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # deferred: tried again by the next run
    bounced: int = 0  # refused for good (hard) or given up on (soft)
    skipped_exempt: int = 0
    in_flight: int = 0  # left `sending` by a run that stopped: never sent again
    suppressed: int = 0  # not emailed: an earlier hard bounce or a complaint
    resumed: bool = False  # a reminder round left open by a stopped run was finished
    errors: dict[str, int] = field(default_factory=dict)

    def count(self, error: str) -> None:
        self.errors[error] = self.errors.get(error, 0) + 1


def send_invitations(
    store: Store, campaign_id: str, settings: SmtpSettings, signer: Signer, base_url: str
) -> SendReport:
    """Invite every contactable recipient not yet invited; retry deferred invitations."""
    return _run(store, campaign_id, settings, signer, base_url, DeliveryKind.INVITATION)


def send_reminders(
    store: Store, campaign_id: str, settings: SmtpSettings, signer: Signer, base_url: str
) -> SendReport:
    """Remind contactable recipients whose invitation was accepted and who have not replied:
    one reminder per recipient and round (a deferred one is retried rather than doubled).
    A round ends when a run gets through its list; a run that was killed or stopped leaves
    it open, and the next run finishes it rather than starting a new one, so a crash never
    sends anyone a second reminder."""
    return _run(store, campaign_id, settings, signer, base_url, DeliveryKind.REMINDER)


def not_suppressed() -> Any:
    return or_(Recipient.reach.is_(None), Recipient.reach.not_in(SUPPRESSED))


def _prepare(
    session: Session, campaign_id: str, kind: DeliveryKind, new_round: bool = True
) -> list[int]:
    """Create the deliveries this run should attempt (none for a reminder round being
    finished); return the ids of those due."""
    retryable = (DeliveryStatus.QUEUED.value, DeliveryStatus.DEFERRED.value)
    base = select(Recipient.id).where(*contactable_filter(campaign_id), not_suppressed())
    replied = exists().where(Reply.recipient_id == Recipient.id)
    if not new_round:
        targets = base.where(false())
    elif kind is DeliveryKind.INVITATION:
        targets = base.where(
            ~exists().where(Delivery.recipient_id == Recipient.id, Delivery.kind == kind.value)
        )
    else:
        invited = exists().where(
            Delivery.recipient_id == Recipient.id,
            Delivery.kind == DeliveryKind.INVITATION.value,
            Delivery.status.in_((DeliveryStatus.SENT.value, DeliveryStatus.SENDING.value)),
        )
        unfinished = select(Delivery.recipient_id).where(
            Delivery.kind == kind.value, Delivery.status.in_(retryable)
        )
        targets = base.where(invited, ~replied, Recipient.id.not_in(unfinished))
    new = list(session.scalars(targets))
    if new:
        session.execute(
            insert(Delivery),
            [{"recipient_id": r, "kind": kind.value, "status": "queued", "attempts": 0,
              "created_at": utcnow()} for r in new],
        )  # fmt: skip
        session.execute(
            update(Recipient)
            .where(Recipient.id.in_(new), Recipient.reach.is_(None))
            .values(reach=DeliveryStatus.QUEUED.value)
        )
    due = (
        select(Delivery.id)
        .join(Recipient)
        .where(
            *contactable_filter(campaign_id),
            not_suppressed(),
            Delivery.kind == kind.value,
            Delivery.status.in_(retryable),
            Delivery.attempts < MAX_ATTEMPTS,
        )
    )
    if kind is DeliveryKind.REMINDER:
        due = due.where(~replied)
    return list(session.scalars(due.order_by(Delivery.id)))


def _run(
    store: Store,
    campaign_id: str,
    settings: SmtpSettings,
    signer: Signer,
    base_url: str,
    kind: DeliveryKind,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    report = SendReport()
    with store.begin() as session:
        campaign = get_campaign(session, campaign_id)
        if campaign.deadline <= utcnow():
            raise CampaignError(f"campaign {campaign_id!r} is past its deadline")
        policies = {
            a.agency: a.policy
            for a in session.scalars(
                select(CampaignAgency).where(CampaignAgency.campaign_id == campaign_id)
            )
        }
        report.skipped_exempt = sum(1 for p in policies.values() if p == "exempt")
        new_round = kind is DeliveryKind.INVITATION or campaign.reminding_since is None
        if kind is DeliveryKind.REMINDER:
            report.resumed = not new_round
            if new_round:
                campaign.reminding_since = utcnow()
        ids = _prepare(session, campaign_id, kind, new_round)
        report.in_flight, report.suppressed = _left_alone(session, campaign_id, kind)
        deadline = campaign.deadline
        facts = {
            "campaign_id": campaign_id, "title": campaign.title, "question": campaign.question,
            "deadline": deadline, "contact_email": campaign.contact_email,
        }  # fmt: skip
    connection = store.engine.connect()
    ledger = Ledger(connection, campaign_id, kind)
    reference = Signer(signer.secret, "reply-ref")
    link_base = f"{base_url.rstrip('/')}{LINK_PATH}"
    mailers = MailerPool(settings)
    stop = threading.Event()

    def one(item: tuple[int, Recipient, str]) -> tuple[Failure | None, int] | None:
        """Send one message on this thread's connection: (failure or None, tries)."""
        delivery_id, recipient, token = item
        if stop.is_set():
            return None
        envelope = Envelope(
            **facts,  # type: ignore[arg-type]
            agency=recipient.agency,
            policy=policies[recipient.agency],
            first_name=recipient.first_name,
            to=recipient.work_email or "",
            link=link_base + token,
            reference=f"hc.{reference.dumps([recipient.id, delivery_id])}",
            language=negotiate(recipient.language),
        )
        data = render(envelope, settings.sender, kind.value)
        return _attempt(mailers.mine(), envelope.to, data, partial(ledger.commit, delivery_id),
                        sleep)  # fmt: skip

    down, why = 0, ""
    try:
        with ThreadPoolExecutor(settings.connections, "smtp") as pool:
            for start in range(0, len(ids), CHUNK):
                items = _chunk(ledger, signer, ids[start : start + CHUNK], deadline)
                for (delivery_id, recipient, _), done in zip(
                    items, pool.map(one, items), strict=True
                ):
                    if done is None:
                        continue  # not attempted: the run is stopping
                    down = _tally(report, ledger, delivery_id, recipient, *done, down)
                    if down >= STOP_AFTER_CONNECTION_FAILURES and not stop.is_set():
                        stop.set()
                        why = done[0].what if done[0] else ""
                if stop.is_set():
                    raise SendStopped(
                        f"stopped after {down} messages in a row could not be handed to "
                        f"{settings.host}:{settings.port} ({why}); {report.sent:,} were "
                        "sent, the rest stay queued for the next run"
                    )
        if kind is DeliveryKind.REMINDER:
            ledger.commit()
            _end_round(ledger, campaign_id)
    finally:
        mailers.close()
        try:
            ledger.commit()
        finally:
            connection.close()
        with store.begin() as session:
            audit.record(
                session, actor=audit.local_actor(), action=f"campaign.{kind.value}",
                target_type="campaign", target_id=campaign_id,
                detail={"sent": report.sent, "failed": report.failed, "bounced": report.bounced},
            )  # fmt: skip
    return report


def _end_round(ledger: Ledger, campaign_id: str) -> None:
    """The reminder round got through its list: the next `remind` starts a new one."""
    with ledger.begin() as session:
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(reminding_since=None)
        )


def _left_alone(session: Session, campaign_id: str, kind: DeliveryKind) -> tuple[int, int]:
    """(deliveries a stopped run left `sending`, recipients suppressed by a bounce). Their
    recipients' reach becomes `sending` too (it is written with a message's outcome, which
    a killed run never got to write)."""
    left = select(Delivery.recipient_id).where(Delivery.status == DeliveryStatus.SENDING.value)
    session.execute(
        update(Recipient)
        .where(
            Recipient.campaign_id == campaign_id,
            Recipient.reach == DeliveryStatus.QUEUED.value,
            Recipient.id.in_(left),
        )
        .values(reach=DeliveryStatus.SENDING.value)
        .execution_options(synchronize_session=False)
    )
    in_flight = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .join(Recipient)
        .where(
            Recipient.campaign_id == campaign_id,
            Delivery.kind == kind.value,
            Delivery.status == DeliveryStatus.SENDING.value,
        )
    )
    suppressed = session.scalar(
        select(func.count())
        .select_from(Recipient)
        .where(Recipient.campaign_id == campaign_id, Recipient.reach.in_(SUPPRESSED))
    )
    return in_flight or 0, suppressed or 0


def _chunk(
    ledger: Ledger, signer: Signer, ids: Iterable[int], deadline: datetime
) -> list[tuple[int, Recipient, str]]:
    """(delivery id, recipient, fresh link token) for a chunk, links committed first."""
    with ledger.begin() as session:
        rows = session.execute(
            select(Delivery.id, Recipient)
            .join(Recipient, Recipient.id == Delivery.recipient_id)
            .where(Delivery.id.in_(list(ids)))
            .order_by(Delivery.id)
        ).all()
        out = [(d, r, issue_link(session, signer, r.id, deadline)) for d, r in rows]
        session.flush()
        session.expunge_all()
    return out


def _tally(
    report: SendReport,
    ledger: Ledger,
    delivery_id: int,
    recipient: Recipient,
    failure: Failure | None,
    tries: int,
    down: int,
) -> int:
    """Note one message's outcome; return how many in a row found no server."""
    if failure is None:
        ledger.note(delivery_id, recipient.id, DeliveryStatus.SENT, tries, None)
        report.sent += 1
        return 0
    status = failure.status
    attempts = _attempts_before(ledger, delivery_id) + tries
    if status is DeliveryStatus.DEFERRED and attempts >= MAX_ATTEMPTS:
        status = DeliveryStatus.BOUNCED_SOFT
    ledger.note(delivery_id, recipient.id, status, tries, failure.what)
    report.count(failure.what)
    if status is DeliveryStatus.DEFERRED:
        report.failed += 1
    else:
        report.bounced += 1
    log.warning("delivery %s %s: %s", delivery_id, status.value, failure.what)
    return down + 1 if failure.connection else 0


def _attempts_before(ledger: Ledger, delivery_id: int) -> int:
    with ledger.begin() as session:
        return session.scalar(select(Delivery.attempts).where(Delivery.id == delivery_id)) or 0


def _attempt(
    mailer: Mailer,
    to: str,
    data: bytes,
    before_dot: Callable[[], None],
    sleep: Callable[[float], None],
) -> tuple[Failure | None, int]:
    """Send with a few quick retries for temporary failures: (failure or None, attempts)."""
    failure: Failure | None = None
    for attempt in range(1, RETRIES_IN_RUN + 1):
        try:
            mailer.send(to, data, before_dot)
            return None, attempt
        except (smtplib.SMTPException, OSError) as exc:
            failure = describe(exc)
            if not failure.retry_now or attempt == RETRIES_IN_RUN:
                return failure, attempt
            sleep(0.2 * 2 ** (attempt - 1))
    return failure, RETRIES_IN_RUN


def send_refusal_notices(
    store: Store,
    campaign_id: str,
    refusals: list[tuple[int, ReplyError]],
    settings: SmtpSettings,
) -> SendReport:
    """Tell each employee whose emailed reply was refused why (the explanation names the kind
    of data and the bullet, never the text). Sent to the roster's work address only, not to
    whatever address the refused message came from."""
    report = SendReport()
    with store.begin() as session:
        campaign = get_campaign(session, campaign_id)
        targets = [
            (r.work_email, r.first_name, why, negotiate(r.language))
            for rid, why in refusals
            if (r := session.get(Recipient, rid)) is not None and r.work_email
        ]
        title, deadline = campaign.title, campaign.deadline
    mailer = Mailer(settings)
    try:
        for to, first_name, why, lang in targets:
            message = EmailMessage()
            _ = translations(lang).gettext
            message["Subject"] = _("Not saved: {title}").format(title=_(title))
            message["From"], message["To"] = settings.sender, to
            message["Auto-Submitted"] = "auto-replied"
            greeting = _("Hello {name},").format(name=first_name) if first_name else _("Hello,")
            not_saved = _('Your emailed reply to "{title}" was not saved.').format(title=_(title))
            again = _("You can send a new reply until {deadline}.").format(
                deadline=deadline_text(deadline, lang)
            )
            message.set_content(f"{greeting}\n\n{not_saved} {why.text(lang)}\n\n{again}")
            message["Content-Language"] = lang  # after set_content, which drops Content-*
            failure, _ = _attempt(mailer, to, message.as_bytes(policy=SMTP), _nothing, time.sleep)
            if failure is None:
                report.sent += 1
            else:
                report.failed += 1
                report.count(failure.what)
    finally:
        mailer.close()
    return report


def _nothing() -> None:
    return None
