"""Replies by email, read from a Maildir or an mbox file, matched to the employee, checked
like web replies and saved with source `email`.

Each message is first classified (mail_kind.py): bounces and complaints update delivery
states (delivery.py), automatic replies are set aside, and only a person's reply is read.
Of a reply only the new text counts — not quoted history, not our own request quoted
without marks; a reply with nothing else is set aside too.

Matching, most trusted first: the signed reference in In-Reply-To/References (our
Message-ID), then a check-in link token in the new text, then the sender's address
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
from itertools import product
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.checkins.campaigns import get_campaign
from headcount.checkins.delivery import record, reference_ids
from headcount.checkins.links import LINK_PATH, LinkError, Signer, read_token
from headcount.checkins.mail_kind import REFERENCE, Kind, classify
from headcount.checkins.mail_text import bullets_from, new_text
from headcount.checkins.messages import Envelope, request_paragraphs
from headcount.checkins.models import DeliveryKind, InboundMessage, Recipient, ReplySource
from headcount.checkins.replies import ReplyError, SensitiveDataError, submit
from headcount.i18n import languages
from headcount.store import Store, utcnow

log = logging.getLogger("headcount.checkins.mail")
TOKEN = re.compile(re.escape(LINK_PATH) + r"([A-Za-z0-9_.-]{10,200})")


@dataclass
class IngestReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    # Per refused message: (recipient id, explanation) so a caller may tell the sender why.
    refusals: list[tuple[int, ReplyError]] = field(default_factory=list)
    refused_keys: list[str] = field(default_factory=list)


def _messages(path: Path) -> Iterator[tuple[str, bytes, EmailMessage, datetime | None]]:
    """(mailbox key, raw bytes, message, delivery time) from a Maildir folder or an mbox."""
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
        yield key, raw, message, delivered


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


def match(
    session: Session, message: EmailMessage, campaign_id: str, secret: bytes, text: str
) -> int | None:
    """The recipient this message is from, or None. `text` is the message's new text: a
    link token is believed only there, never in quoted or attached originals."""
    references = " ".join(str(message.get(h) or "") for h in ("In-Reply-To", "References"))
    reference_signer = Signer(secret, "reply-ref")
    for ref in REFERENCE.findall(references):
        ids = reference_ids(reference_signer, ref)
        if ids is not None and _in_campaign(session, ids[0], campaign_id):
            return ids[0]
    link_signer = Signer(secret)
    for token in TOKEN.findall(text):
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


def _request(session: Session, campaign_id: str) -> list[str]:
    """Every paragraph the campaign's emails hold after the greeting, for each agency and
    language."""
    campaign = get_campaign(session, campaign_id)
    paragraphs: list[str] = []
    for agency, language in product(campaign.agencies, languages()):
        envelope = Envelope(
            campaign_id, campaign.title, campaign.question, campaign.deadline,
            campaign.contact_email, agency.agency, agency.policy, "", "", LINK_PATH, "",
            language,
        )  # fmt: skip
        for kind in DeliveryKind:
            paragraphs += request_paragraphs(envelope, kind.value)
    return list(dict.fromkeys(paragraphs))


def ingest_mailbox(store: Store, campaign_id: str, path: Path, secret: bytes) -> IngestReport:
    report = IngestReport()
    reference_signer = Signer(secret, "reply-ref")
    with store.begin() as session:
        request = _request(session, campaign_id)
    for raw_id, raw, message, delivered in _messages(path):
        key = _key(message, f"{path}:{raw_id}")
        recipient_id: int | None = None
        with store.begin() as session:
            if session.get(InboundMessage, key) is not None:
                report.outcomes["already ingested"] += 1
                continue
            found = classify(raw)
            if found.kind in (Kind.BOUNCE, Kind.COMPLAINT):
                outcome = record(session, campaign_id, found, reference_signer)
            elif found.kind is Kind.AUTO_REPLY:
                outcome = "automatic reply (ignored)"
            else:
                text = new_text(message, request)
                recipient_id = match(session, message, campaign_id, secret, text)
                outcome = "unmatched" if recipient_id is None else ""
                if recipient_id is not None and not bullets_from(text):
                    outcome = "quoted only (ignored)"
        if outcome == "":
            assert recipient_id is not None
            outcome = _save(store, recipient_id, text, key, delivered, report, raw_id)
        with store.begin() as session:
            session.add(InboundMessage(key=key, recipient_id=recipient_id, outcome=outcome))
        report.outcomes[outcome] += 1
    return report


def _save(
    store: Store,
    recipient_id: int,
    text: str,
    key: str,
    delivered: datetime | None,
    report: IngestReport,
    raw_id: str,
) -> str:
    now = min(delivered, utcnow()) if delivered else utcnow()
    try:
        with store.begin() as session:
            submit(
                session, recipient_id, bullets_from(text),
                source=ReplySource.EMAIL, submission_id=f"mail:{key[:59]}", now=now,
            )  # fmt: skip
        return "accepted"
    except SensitiveDataError as exc:
        report.refusals.append((recipient_id, exc))
        report.refused_keys.append(raw_id)
        log.info("emailed reply refused by the sensitive-data guard (%s)", exc.code)
        return "refused: sensitive data"
    except ReplyError as exc:
        report.refusals.append((recipient_id, exc))
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
