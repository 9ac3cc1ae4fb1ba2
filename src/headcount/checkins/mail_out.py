"""Sending invitations and reminders over SMTP: every message at most once, every outcome
recorded.

Each message gets a fresh signed link (valid until the deadline) and a Message-ID that
names its delivery, so a bounce read back later finds it. A delivery goes queued → sending
(committed before the final dot: smtp.py) → sent, or deferred (a temporary failure: 4xx,
a dropped connection; retried a few times now and by the next run until MAX_ATTEMPTS, then
bounced_soft), or bounced_hard (a permanent refusal of the address: never emailed again).

Each sending thread has a connection of its own and works through batches (outbox.BATCH):
one commit marks a batch `sending` and writes the outcomes noted since the last commit,
then the batch's messages go out with MAIL, RCPT and DATA in one write where the server
offers PIPELINING. A run that is killed leaves at most two batches a connection `sending`
(the one being sent, and the one before it whose outcomes that commit would have carried),
and no later run sends those again: some of them were delivered, and the others, never
handed over, are not sent rather than risk a second message. Anyone left so is reminded.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import select, update

from headcount import audit
from headcount.checkins.campaigns import CampaignError, get_campaign
from headcount.checkins.journal import Journal
from headcount.checkins.ledger import Ledger
from headcount.checkins.links import LINK_PATH, Signer
from headcount.checkins.messages import Envelope, deadline_text, render
from headcount.checkins.models import (
    Campaign,
    CampaignAgency,
    DeliveryKind,
    DeliveryStatus,
    Recipient,
)
from headcount.checkins.outbox import (
    MAX_ATTEMPTS,
    Item,
    batches,
    left_alone,
    prepare,
    read_chunk,
    requeue_untried,
    still_sending,
)
from headcount.checkins.replies import ReplyError
from headcount.checkins.smtp import (
    Failure,
    Mailer,
    MailerPool,
    NoReplyAfterDot,
    SmtpSettings,
    describe,
)
from headcount.i18n import negotiate, translations
from headcount.store import Store, utcnow

log = logging.getLogger("headcount.checkins.mail")
RETRIES_IN_RUN = 3
CHUNK = 500  # deliveries read, and links issued, per transaction (then split in batches)
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
    in_flight: int = 0  # left `sending` (a run stopped; no reply to the dot): never resent
    requeued: int = 0  # marked `sending` by a killed run but never begun: sent by this one
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
        where = store.engine.url.render_as_string(hide_password=True)
        journal = Journal(where, campaign_id, campaign.created_at, kind.value)
        report.requeued = requeue_untried(session, journal, campaign_id, kind)
        ids = prepare(session, campaign_id, kind, new_round)
        report.in_flight, report.suppressed = left_alone(session, campaign_id, kind)
        deadline = campaign.deadline
        facts = {
            "campaign_id": campaign_id, "title": campaign.title, "question": campaign.question,
            "deadline": deadline, "contact_email": campaign.contact_email,
        }  # fmt: skip
    journal.open()
    connection = store.engine.connect()
    ledger = Ledger(connection, campaign_id, kind)
    reference = Signer(signer.secret, "reply-ref")
    link_base = f"{base_url.rstrip('/')}{LINK_PATH}"
    mailers = MailerPool(settings)
    stop = threading.Event()
    down = _Down()
    languages: dict[str | None, str] = {}  # the roster's language -> the one offered
    tallying = threading.Lock()  # the report, written by the sending threads

    def compose(item: Item) -> bytes:
        envelope = Envelope(
            **facts,  # type: ignore[arg-type]
            agency=item.agency,
            policy=policies[item.agency],
            first_name=item.first_name,
            to=item.to,
            link=link_base + item.token,
            reference=f"hc.{reference.dumps([item.recipient_id, item.delivery_id])}",
            language=languages.get(item.language) or _language(languages, item.language),
        )
        return render(envelope, settings.sender, kind.value)

    def send_batch(batch: list[Item]) -> None:
        """Mark the batch `sending` in one commit (with the outcomes noted so far), send it
        on this thread's connection, and note its outcomes for the next commit: a batch
        marked is at most BATCH messages, and its outcomes wait only for the next mark."""
        if stop.is_set():
            return
        messages = [compose(item) for item in batch]
        journal.marking([(item.delivery_id, item.attempts) for item in batch])
        ledger.commit(sending=[item.delivery_id for item in batch])
        mailer = mailers.mine()
        results: list[tuple[Item, Failure | None, int]] = []
        for item, data in zip(batch, messages, strict=True):
            if stop.is_set():  # not tried: back to queued or deferred
                ledger.unmark(item.delivery_id, item.status)
                continue
            journal.trying(item.delivery_id, item.attempts)
            failure, tries = _attempt(mailer, item.to, data, None, sleep)
            if down.note(failure) >= STOP_AFTER_CONNECTION_FAILURES:
                stop.set()
            results.append((item, failure, tries))
        now = utcnow()  # sent_at: the end of the batch (later by any retry's sleep)
        with tallying:
            for item, failure, tries in results:
                _tally(report, ledger, item, failure, tries, now)

    try:
        with ThreadPoolExecutor(settings.connections, "smtp") as pool:
            try:
                pending: list[Future[None]] = []
                for start in range(0, len(ids), CHUNK):
                    if stop.is_set():
                        break
                    items = read_chunk(ledger, signer, ids[start : start + CHUNK], deadline)
                    # This chunk's links are committed before its first message is marked;
                    # the next chunk is read while this one is sent.
                    submitted = [
                        pool.submit(send_batch, batch)
                        for batch in batches(items, settings.connections)
                    ]
                    for future in pending:
                        future.result()  # a thread's error stops the run here
                    pending = submitted
                for future in pending:
                    future.result()
            except BaseException:
                stop.set()  # the threads finish the message in hand, and no more
                raise
        if stop.is_set():
            raise SendStopped(
                f"stopped after {down.count} messages in a row could not be handed to "
                f"{settings.host}:{settings.port} ({down.why}); {report.sent:,} were "
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
            journal.close()
        with store.begin() as session:
            if not stop.is_set():  # a finished run: the journal keeps only what is in doubt
                journal.keep_only(still_sending(session, campaign_id, kind))
            audit.record(
                session, actor=audit.local_actor(), action=f"campaign.{kind.value}",
                target_type="campaign", target_id=campaign_id,
                detail={"sent": report.sent, "failed": report.failed, "bounced": report.bounced},
            )  # fmt: skip
    return report


class _Down:
    """Messages in a row, across the sending threads, that found no server to talk to."""

    def __init__(self) -> None:
        self.count, self.why = 0, ""
        self._lock = threading.Lock()

    def note(self, failure: Failure | None) -> int:
        with self._lock:
            if failure is not None and failure.connection:
                self.count, self.why = self.count + 1, failure.what
            elif failure is None or failure.status is not DeliveryStatus.SENDING:
                self.count = 0
            return self.count


def _end_round(ledger: Ledger, campaign_id: str) -> None:
    """The reminder round got through its list: the next `remind` starts a new one."""
    with ledger.begin() as session:
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(reminding_since=None)
        )


def _language(cache: dict[str | None, str], wanted: str | None) -> str:
    cache[wanted] = negotiate(wanted)
    return cache[wanted]


def _tally(
    report: SendReport, ledger: Ledger, item: Item, failure: Failure | None, tries: int,
    now: datetime,
) -> None:  # fmt: skip
    """Note one message's outcome (written by the next commit)."""
    if failure is None:
        ledger.note(item.delivery_id, item.recipient_id, DeliveryStatus.SENT, tries, None, now)
        report.sent += 1
        return
    status = failure.status
    if status is DeliveryStatus.DEFERRED and item.attempts + tries >= MAX_ATTEMPTS:
        status = DeliveryStatus.BOUNCED_SOFT
    ledger.note(item.delivery_id, item.recipient_id, status, tries, failure.what)
    report.count(failure.what)
    if status is DeliveryStatus.DEFERRED:
        report.failed += 1
    elif status is DeliveryStatus.SENDING:
        report.in_flight += 1
    else:
        report.bounced += 1
    log.warning("delivery %s %s: %s", item.delivery_id, status.value, failure.what)


def _attempt(
    mailer: Mailer,
    to: str,
    data: bytes,
    before_dot: Callable[[], None] | None,
    sleep: Callable[[float], None],
) -> tuple[Failure | None, int]:
    """Send with a few quick retries for temporary failures: (failure or None, attempts).
    A connection lost after the final dot is not retried: the message may have arrived, so
    its delivery stays `sending`."""
    failure: Failure | None = None
    for attempt in range(1, RETRIES_IN_RUN + 1):
        try:
            mailer.send(to, data, before_dot)
            return None, attempt
        except NoReplyAfterDot:
            return Failure("no reply after the final dot", False, DeliveryStatus.SENDING,
                           connection=True), attempt  # fmt: skip
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
            failure, _ = _attempt(mailer, to, message.as_bytes(policy=SMTP), None, time.sleep)
            if failure is None:
                report.sent += 1
            else:
                report.failed += 1
                report.count(failure.what)
    finally:
        mailer.close()
    return report
