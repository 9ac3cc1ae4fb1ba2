"""The emails: plain text and HTML alternatives saying what is asked, the agency's policy in
plain words, that silence has no consequence, the deadline, and the personal link."""

from __future__ import annotations

import binascii
import functools
import html
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from email.policy import SMTP
from email.utils import format_datetime
from gettext import NullTranslations

from headcount.checkins.models import DeliveryKind
from headcount.checkins.policy import policy_statement
from headcount.i18n import SOURCE, translations, when

REFERENCE_DOMAIN = "checkins.headcount.invalid"


@dataclass(frozen=True)
class Envelope:
    """What one message needs, already looked up (no database access while composing)."""

    campaign_id: str
    title: str
    question: str
    deadline: datetime
    contact_email: str
    agency: str
    policy: str
    first_name: str
    to: str
    link: str
    reference: str  # signed delivery reference, becomes the Message-ID's local part
    language: str = SOURCE  # a language offered by headcount.i18n


def deadline_text(deadline: datetime, lang: str | None = None) -> str:
    return when(deadline, lang)


@dataclass(frozen=True)
class _Fixed:
    """The words of a message that are the same for everyone in one agency and language."""

    subject: str
    before_link: str  # the plain text's paragraphs from the request to the web link
    after_link: str
    html_before: str
    button: str
    html_after: str


@functools.lru_cache(maxsize=1024)
def _fixed(
    kind: str, title: str, question: str, deadline: datetime, contact_email: str, agency: str,
    policy: str, language: str, catalogue: NullTranslations,
) -> _Fixed:  # fmt: skip
    # `catalogue` is part of the key, so a catalogue folder set later is seen.
    # Composed once per agency and language rather than once per message: a run sends
    # millions, and the catalogue lookups and escaping would double the time per message.
    _ = catalogue.gettext
    reminder = kind == DeliveryKind.REMINDER.value
    title = _(title)  # the default title is in the catalogues; a campaign's own is not
    subject = _("Reminder: {title}").format(title=title) if reminder else title
    statement = policy_statement(policy, agency, language)
    due = deadline_text(deadline, language)
    lead = _("This is a reminder of a request you have not answered yet.") + " " if reminder else ""
    contact = (
        _("Questions about this request: {address}.").format(address=contact_email)
        if contact_email
        else ""
    )
    until = _("You can reply until {deadline}.").format(deadline=due)
    web = _(
        "Reply on the web with your personal link. It works once: opening it signs you in "
        "on that device, where you can change your reply until the deadline."
    )
    by_email = _(
        "Or reply to this email with three to five bullets. Never include Social Security "
        "numbers, bank or card numbers, or anything classified: such replies are refused "
        "and not kept."
    )
    question = _(question)
    once = _(
        "The link works once: opening it signs you in on that device, where you can change "
        "your reply until the deadline."
    )
    e = html.escape
    return _Fixed(
        subject=subject,
        before_link="\n\n".join((f"{lead}{question}", statement, until, web)),
        after_link="\n\n".join(p for p in (by_email, contact) if p),
        html_before=(
            f"<p>{e(lead)}{e(question)}</p><p><strong>{e(statement)}</strong></p><p>{e(until)}</p>"
        ),
        button=e(_("Open my check-in")),
        html_after=f" ({e(once)})</p><p>{e(by_email)}</p>"
        + (f"<p>{e(contact)}</p>" if contact else ""),
    )


def wording(env: Envelope, kind: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one message: the one place its words are written."""
    fixed = _fixed(
        kind, env.title, env.question, env.deadline, env.contact_email, env.agency,
        env.policy, env.language, translations(env.language),
    )  # fmt: skip
    _ = translations(env.language).gettext
    greeting = _("Hello {name},").format(name=env.first_name) if env.first_name else _("Hello,")
    text = f"{greeting}\n\n{fixed.before_link}\n{env.link}\n\n{fixed.after_link}"
    e = html.escape
    body = (
        f"<p>{e(greeting)}</p>{fixed.html_before}"
        f'<p><a href="{e(env.link)}">{fixed.button}</a>{fixed.html_after}'
    )
    tag = e(env.language)
    return fixed.subject, text, f'<!doctype html><html lang="{tag}"><body>{body}</body></html>'


def request_paragraphs(env: Envelope, kind: str) -> list[str]:
    """The plain text's paragraphs after the greeting: what a reply may quote unmarked."""
    return wording(env, kind)[1].split("\n\n")[1:]


def _part(content_type: str, text: str) -> bytes:
    # binascii's quoted-printable (C) wraps at 76 and turns line ends into CRLF: a body any
    # relay accepts, made in microseconds rather than the email package's milliseconds.
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode(), istext=True)
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + body.replace(b"\n", b"\r\n")


def _header(name: str, value: str) -> bytes:
    """One header; RFC 2047-encoded and folded only when not plain ASCII (RFC 5322 allows
    998 characters a line, and a folded Message-ID is read back with a leading space)."""
    if value.isascii() and value.isprintable() and len(name) + len(value) < 900:
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded(name, value)


@functools.lru_cache(maxsize=64)
def _folded(name: str, value: str) -> bytes:
    # The email package takes a millisecond here; the few subjects and senders that need
    # it recur on every message of a run.
    folded: str = SMTP.header_factory(name, value).fold(policy=SMTP)
    return folded.encode("ascii")


_dated: tuple[int, str] = (0, "")


def _date() -> str:
    """The Date header for now, formatted once a second rather than once a message."""
    global _dated
    second = int(time.time())
    if _dated[0] != second:
        _dated = (second, format_datetime(datetime.fromtimestamp(second).astimezone()))
    return _dated[1]


def render(env: Envelope, sender: str, kind: str) -> bytes:
    """The message as SMTP bytes (CRLF): headers, and the text and HTML alternatives."""
    subject, text, page = wording(env, kind)
    boundary = f"hc-{secrets.token_hex(12)}"
    head = b"".join(
        _header(name, value)
        for name, value in (
            ("Subject", subject),
            ("From", sender),
            ("To", env.to),
            ("Date", _date()),
            ("Message-ID", f"<{env.reference}@{REFERENCE_DOMAIN}>"),
            ("Content-Language", env.language),
            ("Auto-Submitted", "auto-generated"),
            ("X-Headcount-Campaign", env.campaign_id),
            ("MIME-Version", "1.0"),
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        )
    )
    mark = f"\r\n--{boundary}\r\n".encode()
    return (
        head
        + mark
        + _part("text/plain", text)
        + mark
        + _part("text/html", page)
        + f"\r\n--{boundary}--\r\n".encode()
    )
