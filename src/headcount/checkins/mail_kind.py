"""What an incoming message is before anything else is done with it: a person's reply, an
automatic reply, a bounce, or a spam complaint. Only a person's reply is ever read for a
check-in; the others feed the delivery states (bounces, complaints) or are set aside.

- Bounces: RFC 3464 delivery-status notifications (`multipart/report`) are read field by
  field (Action and Status per recipient: 5.x.x is hard, 4.x.x or a full mailbox soft,
  "delayed" deferred). Other formats — Exim, Postfix and Sendmail texts, old Exchange and
  Lotus Notes, qmail, … — are recognised by their sender, subject or null return path and
  parsed by flufl.bounce, GNU Mailman's bounce detectors.
- Automatic replies: RFC 3834 `Auto-Submitted`, `X-Autoreply`/`X-Autorespond`,
  `Precedence: auto_reply | bulk | junk`, and out-of-office subjects.
- Complaints: ARF feedback reports (RFC 5965, `report-type=feedback-report`).
The returned original a bounce carries names its delivery by our Message-ID (`references`),
which is trusted before the address a bounce reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from headcount.checkins.messages import REFERENCE_DOMAIN
from headcount.checkins.models import DeliveryStatus

REFERENCE = re.compile(r"<hc\.([A-Za-z0-9_.-]+)@" + re.escape(REFERENCE_DOMAIN) + ">")
AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-mail-autoreply")
AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk"}
AUTO_SUBJECT = re.compile(
    r"^\s*(?:(?:re|aw|sv|fw|fwd)\s*:\s*)*(?:"
    r"auto(?:matic)?[\s_-]*(?:reply|response|answer|antwort)|autoreply|out of (?:the )?office"
    r"|ooo\b|away from (?:the |my )?office|on (?:vacation|leave|holiday)|vacation (?:reply|notice)"
    r"|abwesenheits?notiz|respuesta autom[aá]tica|r[ée]ponse automatique|fuera de la oficina"
    r"|absence|absent)"
    r"|\bis out of (?:the )?office\b|\bout of office\s*(?:auto)?reply\b",
    re.IGNORECASE,
)
DAEMON_SENDER = re.compile(
    r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|mdaemon|microsoftexchange\w*)@",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:able|ed)|delivery (?:status notification|failure|has failed|failed"
    r"|notification)|returned mail|mail delivery (?:failed|failure|system)|failure notice"
    r"|non[- ]?delivery|could not be delivered|not delivered|delivery problem"
    r"|mail system error|warning: could not send",
    re.IGNORECASE,
)
# Words of a permanent failure, for bounces that state no status code.
PERMANENT = re.compile(
    r"\b5\.\d{1,3}\.\d{1,3}\b|\b55[0-4]\b|user unknown|unknown user|no such user"
    r"|does not exist|not listed in|recipient not found|address rejected|invalid recipient"
    r"|mailbox unavailable|account (?:has been )?disabled",
    re.IGNORECASE,
)
FULL_MAILBOX = re.compile(r"\b[45]\.2\.2\b|mailbox (?:is )?full|over quota|quota exceeded", re.I)


class Kind(StrEnum):
    REPLY = "reply"
    AUTO_REPLY = "automatic reply"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class Notice:
    """One address a bounce or complaint is about, and the delivery state it means."""

    address: str
    status: DeliveryStatus


@dataclass(frozen=True)
class Classified:
    kind: Kind
    notices: tuple[Notice, ...] = ()
    references: tuple[str, ...] = ()  # our signed Message-ID references, anywhere inside


def classify(raw: bytes) -> Classified:
    """What the message (its raw bytes) is; see the module docstring."""
    message = message_from_bytes(raw)
    if _report_type(message) == "feedback-report":
        return Classified(Kind.COMPLAINT, _complaint(message), _references(message))
    dsn = _dsn_notices(message)
    if dsn is not None:
        return Classified(Kind.BOUNCE, dsn, _references(message))
    if _looks_bounced(message):
        return Classified(Kind.BOUNCE, _other_bounce(message), _references(message))
    if _automatic(message):
        return Classified(Kind.AUTO_REPLY)
    return Classified(Kind.REPLY)


def _header(message: Message, name: str) -> str:
    return str(message.get(name) or "").strip()


def _report_type(message: Message) -> str:
    if message.get_content_type() != "multipart/report":
        return ""
    return str(message.get_param("report-type") or "").lower()


def _automatic(message: Message) -> bool:
    if _header(message, "Auto-Submitted").lower() not in ("", "no"):
        return True
    if any(message.get(h) is not None for h in AUTO_HEADERS):
        return True
    precedence = {_header(message, h).lower() for h in ("Precedence", "X-Precedence")}
    return bool(precedence & AUTO_PRECEDENCE) or bool(
        AUTO_SUBJECT.search(_header(message, "Subject"))
    )


def _looks_bounced(message: Message) -> bool:
    sender = parseaddr(_header(message, "From"))[1]
    return (
        _header(message, "Return-Path") == "<>"
        or bool(DAEMON_SENDER.match(sender))
        or message.get("X-Failed-Recipients") is not None
        or bool(BOUNCE_SUBJECT.search(_header(message, "Subject")))
        or message.get_content_type() == "multipart/report"
    )


def _address(field: str) -> str:
    """`rfc822; someone@example.gov` -> someone@example.gov."""
    kind, _, value = field.partition(";")
    return parseaddr((value if _ else kind).strip())[1].lower()


def _dsn_notices(message: Message) -> tuple[Notice, ...] | None:
    """The recipients an RFC 3464 report fails or delays; None if it holds no such report."""
    parts = [p for p in message.walk() if p.get_content_type() == "message/delivery-status"]
    if not parts:
        return None
    notices: list[Notice] = []
    for part in parts:
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, Message):
                continue
            action = _header(block, "Action").lower()
            recipient = _header(block, "Original-Recipient") or _header(block, "Final-Recipient")
            address = _address(recipient) if recipient else ""
            if not action or not address:
                continue
            status = _header(block, "Status")
            if action.startswith("delayed"):
                notices.append(Notice(address, DeliveryStatus.DEFERRED))
            elif action.startswith(("fail", "error")):
                soft = status.startswith("4") or FULL_MAILBOX.search(
                    f"{status} {_header(block, 'Diagnostic-Code')}"
                )
                notices.append(
                    Notice(
                        address,
                        DeliveryStatus.BOUNCED_SOFT if soft else DeliveryStatus.BOUNCED_HARD,
                    )
                )
    return tuple(notices)


def _other_bounce(message: Message) -> tuple[Notice, ...]:
    from flufl.bounce import all_failures

    temporary, permanent = all_failures(message)
    text = _all_text(message)
    hard = DeliveryStatus.BOUNCED_SOFT if FULL_MAILBOX.search(text) else None
    notices = [
        Notice(a.decode("ascii").lower(), hard or DeliveryStatus.BOUNCED_HARD) for a in permanent
    ]
    notices += [Notice(a.decode("ascii").lower(), DeliveryStatus.DEFERRED) for a in temporary]
    if not notices:
        # Unparsed, but a bounce: whoever it names by our Message-ID was not reached.
        state = (
            DeliveryStatus.BOUNCED_SOFT
            if FULL_MAILBOX.search(text) or not PERMANENT.search(text)
            else DeliveryStatus.BOUNCED_HARD
        )
        notices.append(Notice("", state))
    return tuple(notices)


def _complaint(message: Message) -> tuple[Notice, ...]:
    addresses: list[str] = []
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            payload = part.get_payload()
            first = payload[0] if isinstance(payload, list) and payload else None
            fields = first if isinstance(first, Message) else part
            for name in ("Original-Rcpt-To", "Removal-Recipient"):
                addresses += [_address(v) for v in fields.get_all(name, [])]
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            original = _returned(part)
            if original is not None:
                addresses += [a.lower() for _, a in getaddresses(original.get_all("To", []))]
    unique = dict.fromkeys(a for a in addresses if a) or {"": None}
    return tuple(Notice(a, DeliveryStatus.COMPLAINED) for a in unique)


def _returned(part: Message) -> Message | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        return payload[0] if isinstance(payload[0], Message) else None
    if isinstance(payload, str):
        return message_from_bytes(payload.encode("utf-8", "replace"))
    return None


def _all_text(message: Message) -> str:
    """Every part's text, headers of returned originals included (bounces are read whole)."""
    out: list[str] = []
    for part in message.walk():
        out.extend(f"{k}: {v}" for k, v in part.items())
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            out.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(out)


def _references(message: Message) -> tuple[str, ...]:
    return tuple(dict.fromkeys(REFERENCE.findall(_all_text(message))))
