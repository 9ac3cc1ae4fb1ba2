"""Replies by email, read from a Maildir or an mbox file, matched to the employee, checked
like web replies and saved with source `email`.

Matching, most trusted first: the signed reference in In-Reply-To/References (our
Message-ID), then a check-in link token quoted in the message, then the sender's address
against the campaign's roster snapshot. Each message is handled once (keyed by a hash of
its Message-ID); only the outcome is kept, never the body or the sender.
"""

from __future__ import annotations

import hashlib
import logging
import mailbox
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import getaddresses
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.checkins.campaigns import get_campaign
from headcount.checkins.links import LINK_PATH, LinkError, Signer, read_token
from headcount.checkins.mail_text import all_text, body_text, bullets_from
from headcount.checkins.messages import REFERENCE_DOMAIN
from headcount.checkins.models import InboundMessage, Recipient, Source
from headcount.checkins.replies import ReplyError, SensitiveDataError, submit
from headcount.store import Store, utcnow

log = logging.getLogger("headcount.checkins.mail")
REFERENCE = re.compile(r"<hc\.([A-Za-z0-9_.-]+)@" + re.escape(REFERENCE_DOMAIN) + ">")
TOKEN = re.compile(re.escape(LINK_PATH) + r"([A-Za-z0-9_.-]{10,200})")


@dataclass
class IngestReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    # Per refused message: (recipient id, explanation) so a caller may tell the sender why.
    refusals: list[tuple[int, str]] = field(default_factory=list)
    refused_keys: list[str] = field(default_factory=list)


def _messages(path: Path) -> Iterator[tuple[str, EmailMessage, datetime | None]]:
    """(mailbox key, message, delivery time) from a Maildir folder or an mbox file."""
    box: mailbox.Mailbox[mailbox.Message]
    if path.is_dir():
        box = mailbox.Maildir(path, factory=None, create=False)
    elif path.is_file():
        box = mailbox.mbox(path, factory=None, create=False)
    else:
        raise FileNotFoundError(2, "no such Maildir or mbox", str(path))
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        delivered = _delivered(box[key])
        message = message_from_bytes(raw, policy=default)
        assert isinstance(message, EmailMessage)
        yield key, message, delivered


def _delivered(stored: mailbox.Message) -> datetime | None:
    """When the local mail system took the message in (not the sender's Date header, which
    the sender controls)."""
    if isinstance(stored, mailbox.MaildirMessage):
        return datetime.fromtimestamp(stored.get_date(), UTC)
    if isinstance(stored, mailbox.mboxMessage):
        parts = stored.get_from().split(None, 1)
        try:
            return datetime.strptime(parts[1].strip(), "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
        except (IndexError, ValueError):
            return None
    return None


def _key(message: EmailMessage, raw_id: str) -> str:
    ident = str(message.get("Message-ID") or "").strip() or f"no-id:{raw_id}"
    return hashlib.sha256(ident.encode("utf-8", "replace")).hexdigest()


def match(session: Session, message: EmailMessage, campaign_id: str, secret: bytes) -> int | None:
    """The recipient this message is from, or None."""
    references = " ".join(str(message.get(h) or "") for h in ("In-Reply-To", "References"))
    reference_signer = Signer(secret, "reply-ref")
    for ref in REFERENCE.findall(references):
        try:
            recipient_id = reference_signer.loads(ref)
        except LinkError:
            continue
        if isinstance(recipient_id, int) and _in_campaign(session, recipient_id, campaign_id):
            return recipient_id
    link_signer = Signer(secret)
    for token in TOKEN.findall(all_text(message)):
        try:
            claims = read_token(link_signer, token, now=datetime.min.replace(tzinfo=UTC))
        except LinkError:
            continue
        if _in_campaign(session, claims.recipient_id, campaign_id):
            return claims.recipient_id
    senders = [addr.lower() for _, addr in getaddresses([str(message.get("From") or "")]) if addr]
    if len(senders) == 1:
        return session.scalars(
            select(Recipient.id).where(
                Recipient.campaign_id == campaign_id, Recipient.work_email == senders[0]
            )
        ).first()
    return None


def _in_campaign(session: Session, recipient_id: int, campaign_id: str) -> bool:
    recipient = session.get(Recipient, recipient_id)
    return recipient is not None and recipient.campaign_id == campaign_id


def ingest_mailbox(store: Store, campaign_id: str, path: Path, secret: bytes) -> IngestReport:
    report = IngestReport()
    with store.begin() as session:
        get_campaign(session, campaign_id)
    for raw_id, message, delivered in _messages(path):
        key = _key(message, f"{path}:{raw_id}")
        with store.begin() as session:
            if session.get(InboundMessage, key) is not None:
                report.outcomes["already ingested"] += 1
                continue
            if str(message.get("Auto-Submitted") or "no").lower() != "no":
                outcome, recipient_id = "automatic reply (ignored)", None
            else:
                recipient_id = match(session, message, campaign_id, secret)
                outcome = "unmatched" if recipient_id is None else ""
        if recipient_id is not None:
            outcome = _save(store, recipient_id, message, key, delivered, report, raw_id)
        with store.begin() as session:
            session.add(InboundMessage(key=key, recipient_id=recipient_id, outcome=outcome))
        report.outcomes[outcome] += 1
    return report


def _save(
    store: Store,
    recipient_id: int,
    message: EmailMessage,
    key: str,
    delivered: datetime | None,
    report: IngestReport,
    raw_id: str,
) -> str:
    now = min(delivered, utcnow()) if delivered else utcnow()
    try:
        with store.begin() as session:
            submit(
                session, recipient_id, bullets_from(body_text(message)),
                source=Source.EMAIL, submission_id=f"mail:{key[:59]}", now=now,
            )  # fmt: skip
        return "accepted"
    except SensitiveDataError as exc:
        report.refusals.append((recipient_id, str(exc)))
        report.refused_keys.append(raw_id)
        log.info("emailed reply refused by the sensitive-data guard (%s)", exc.code)
        return "refused: sensitive data"
    except ReplyError as exc:
        report.refusals.append((recipient_id, str(exc)))
        return f"refused: {exc.code}"


def delete_messages(path: Path, keys: list[str]) -> None:
    """Remove messages (the refused ones) from the mailbox so their text is not kept."""
    box: mailbox.Mailbox[mailbox.Message] = (
        mailbox.Maildir(path, factory=None, create=False)
        if path.is_dir()
        else mailbox.mbox(path, factory=None, create=False)
    )
    box.lock()
    try:
        for key in keys:
            box.discard(key)
        box.flush()
    finally:
        box.unlock()
        box.close()
