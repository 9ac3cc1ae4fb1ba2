"""Sending invitations and reminders over SMTP, with every attempt recorded.

Each message gets a fresh signed link (valid until the deadline). A delivery that fails is
marked `failed` with the SMTP error class and code (never the address or the message);
temporary failures (4xx, dropped connections) are retried a few times in the same run, and
any failed delivery is tried again by the next `send`/`remind` until MAX_ATTEMPTS.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from headcount import audit
from headcount.checkins.campaigns import CampaignError, contactable_filter, get_campaign
from headcount.checkins.links import LINK_PATH, Signer, issue_link
from headcount.checkins.messages import Envelope, compose, deadline_text
from headcount.checkins.models import (
    CampaignAgency,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Recipient,
    Reply,
)
from headcount.store import Store, utcnow

log = logging.getLogger("headcount.checkins.mail")
MAX_ATTEMPTS = 5
RETRIES_IN_RUN = 3


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    implicit_tls: bool = False  # TLS from the first byte (port 465)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "checkins@localhost"
    ca_file: str | None = None  # trust this CA (a private relay) instead of the system's
    timeout: float = 30.0

    @classmethod
    def from_env(cls, **overrides: object) -> SmtpSettings:
        """HEADCOUNT_SMTP_* variables; explicit (non-None) overrides win. The password is
        read only from HEADCOUNT_SMTP_PASSWORD, so it never appears in a process listing."""
        env = os.environ
        values: dict[str, object] = {
            "host": env.get("HEADCOUNT_SMTP_HOST", "localhost"),
            "port": int(env.get("HEADCOUNT_SMTP_PORT", "25")),
            "starttls": env.get("HEADCOUNT_SMTP_STARTTLS", "") in ("1", "true", "yes"),
            "implicit_tls": env.get("HEADCOUNT_SMTP_SSL", "") in ("1", "true", "yes"),
            "username": env.get("HEADCOUNT_SMTP_USERNAME") or None,
            "password": env.get("HEADCOUNT_SMTP_PASSWORD") or None,
            "sender": env.get("HEADCOUNT_SMTP_FROM", "checkins@localhost"),
            "ca_file": env.get("HEADCOUNT_SMTP_CA_FILE") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    skipped_exempt: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class Mailer:
    """One SMTP connection, opened lazily and reopened after a drop."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.implicit_tls:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=s.tls_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                smtp.starttls(context=s.tls_context())
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def describe(exc: BaseException) -> tuple[str, bool]:
    """(what to record, whether to retry now). No address, no message text, no credentials."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"recipient refused ({', '.join(map(str, codes))})", any(c < 500 for c in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}", exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "authentication failed", False
    return type(exc).__name__, True


def send_invitations(
    store: Store, campaign_id: str, settings: SmtpSettings, signer: Signer, base_url: str
) -> SendReport:
    """Invite every contactable recipient not yet invited; retry failed invitations."""
    return _run(store, campaign_id, settings, signer, base_url, DeliveryKind.INVITATION)


def send_reminders(
    store: Store, campaign_id: str, settings: SmtpSettings, signer: Signer, base_url: str
) -> SendReport:
    """Remind contactable recipients who were invited and have not replied (one reminder per
    recipient and run; a failed one is retried rather than doubled)."""
    return _run(store, campaign_id, settings, signer, base_url, DeliveryKind.REMINDER)


def _prepare(session: Session, campaign_id: str, kind: DeliveryKind) -> list[int]:
    """Create the deliveries this run should attempt; return their ids."""
    invited = exists().where(
        Delivery.recipient_id == Recipient.id,
        Delivery.kind == DeliveryKind.INVITATION.value,
        Delivery.status == DeliveryStatus.SENT.value,
    )
    unfinished = select(Delivery.recipient_id).where(
        Delivery.kind == kind.value, Delivery.status != DeliveryStatus.SENT.value
    )
    base = select(Recipient.id).where(*contactable_filter(campaign_id))
    if kind is DeliveryKind.INVITATION:
        targets = base.where(
            ~exists().where(Delivery.recipient_id == Recipient.id, Delivery.kind == kind.value)
        )
    else:
        replied = exists().where(Reply.recipient_id == Recipient.id)
        targets = base.where(invited, ~replied, Recipient.id.not_in(unfinished))
    session.add_all(Delivery(recipient_id=r, kind=kind.value) for r in session.scalars(targets))
    session.flush()
    due = (
        select(Delivery.id)
        .join(Recipient)
        .where(
            *contactable_filter(campaign_id),
            Delivery.kind == kind.value,
            Delivery.status != DeliveryStatus.SENT.value,
            Delivery.attempts < MAX_ATTEMPTS,
        )
    )
    if kind is DeliveryKind.REMINDER:
        due = due.where(~exists().where(Reply.recipient_id == Recipient.id))
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
    reference = Signer(signer.secret, "reply-ref")
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
        ids = _prepare(session, campaign_id, kind)
        title, question, deadline = campaign.title, campaign.question, campaign.deadline
        contact = campaign.contact_email
    mailer = Mailer(settings)
    try:
        for delivery_id in ids:
            with store.begin() as session:
                delivery = session.get(Delivery, delivery_id)
                assert delivery is not None
                recipient = session.get(Recipient, delivery.recipient_id)
                assert recipient is not None and recipient.work_email
                token = issue_link(session, signer, recipient.id, deadline)
                envelope = Envelope(
                    campaign_id=campaign_id,
                    title=title,
                    question=question,
                    deadline=deadline,
                    contact_email=contact,
                    agency=recipient.agency,
                    policy=policies[recipient.agency],
                    first_name=recipient.first_name,
                    to=recipient.work_email,
                    link=f"{base_url.rstrip('/')}{LINK_PATH}{token}",
                    reference=f"hc.{reference.dumps(recipient.id)}",
                )
                error, tries = _attempt(
                    mailer, compose(envelope, settings.sender, kind.value), sleep
                )
                delivery.attempts += tries
                if error is None:
                    delivery.status, delivery.sent_at = DeliveryStatus.SENT.value, utcnow()
                    delivery.last_error = None
                    report.sent += 1
                    if kind is DeliveryKind.INVITATION:
                        _mark_sent(session, campaign_id, delivery.sent_at)
                else:
                    delivery.status, delivery.last_error = DeliveryStatus.FAILED.value, error[0]
                    report.failed += 1
                    report.errors[error[0]] = report.errors.get(error[0], 0) + 1
                    log.warning("delivery %s failed: %s", delivery_id, error[0])
    finally:
        mailer.close()
        with store.begin() as session:
            audit.record(
                session, actor=audit.local_actor(), action=f"campaign.{kind.value}",
                target_type="campaign", target_id=campaign_id,
                detail={"sent": report.sent, "failed": report.failed},
            )  # fmt: skip
    return report


def _attempt(
    mailer: Mailer, message: EmailMessage, sleep: Callable[[float], None]
) -> tuple[tuple[str, bool] | None, int]:
    """Send with a few quick retries for temporary failures: (error or None, attempts)."""
    outcome: tuple[str, bool] | None = None
    for attempt in range(1, RETRIES_IN_RUN + 1):
        try:
            mailer.send(message)
            return None, attempt
        except (smtplib.SMTPException, OSError) as exc:
            outcome = describe(exc)
            if not outcome[1] or attempt == RETRIES_IN_RUN:
                return outcome, attempt
            sleep(0.2 * 2 ** (attempt - 1))
    return outcome, RETRIES_IN_RUN


def _mark_sent(session: Session, campaign_id: str, when: datetime) -> None:
    campaign = get_campaign(session, campaign_id)
    if campaign.sent_at is None:
        campaign.sent_at = when


def send_refusal_notices(
    store: Store, campaign_id: str, refusals: list[tuple[int, str]], settings: SmtpSettings
) -> SendReport:
    """Tell each employee whose emailed reply was refused why (the explanation names the kind
    of data and the bullet, never the text). Sent to the roster's work address only, not to
    whatever address the refused message came from."""
    report = SendReport()
    with store.begin() as session:
        campaign = get_campaign(session, campaign_id)
        targets = [
            (r.work_email, r.first_name, why)
            for rid, why in refusals
            if (r := session.get(Recipient, rid)) is not None and r.work_email
        ]
        title, deadline = campaign.title, campaign.deadline
    mailer = Mailer(settings)
    try:
        for to, first_name, why in targets:
            message = EmailMessage()
            message["Subject"] = f"Not saved: {title}"
            message["From"], message["To"] = settings.sender, to
            message["Auto-Submitted"] = "auto-replied"
            greeting = f"Hello {first_name}," if first_name else "Hello,"
            message.set_content(
                f'{greeting}\n\nYour emailed reply to "{title}" was not saved. {why}\n\n'
                f"You can send a new reply until {deadline_text(deadline)}."
            )
            error, _ = _attempt(mailer, message, time.sleep)
            if error is None:
                report.sent += 1
            else:
                report.failed += 1
                report.errors[error[0]] = report.errors.get(error[0], 0) + 1
    finally:
        mailer.close()
    return report
