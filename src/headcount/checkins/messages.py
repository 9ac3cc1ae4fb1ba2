"""The emails: plain text and HTML alternatives saying what is asked, the agency's policy in
plain words, that silence has no consequence, the deadline, and the personal link."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from headcount.checkins.models import DeliveryKind
from headcount.checkins.policy import policy_statement

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


def deadline_text(deadline: datetime) -> str:
    return deadline.strftime("%A %d %B %Y at %H:%M UTC")


def compose(env: Envelope, sender: str, kind: str) -> EmailMessage:
    reminder = kind == DeliveryKind.REMINDER.value
    subject = f"{'Reminder: ' if reminder else ''}{env.title}"
    policy = policy_statement(env.policy, env.agency)
    due = deadline_text(env.deadline)
    greeting = f"Hello {env.first_name}," if env.first_name else "Hello,"
    lead = "This is a reminder of a request you have not answered yet. " if reminder else ""
    contact = f"Questions about this request: {env.contact_email}." if env.contact_email else ""
    text = "\n\n".join(
        part
        for part in (
            greeting,
            f"{lead}{env.question}",
            policy,
            f"You can reply until {due}.",
            "Reply on the web with your personal link. It works once: opening it signs you in "
            "on that device, where you can change your reply until the deadline.\n" + env.link,
            "Or reply to this email with three to five bullets. Never include Social Security "
            "numbers, bank or card numbers, or anything classified: such replies are refused "
            "and not kept.",
            contact,
        )
        if part
    )
    e = html.escape
    body = (
        f"<p>{e(greeting)}</p><p>{e(lead)}{e(env.question)}</p>"
        f"<p><strong>{e(policy)}</strong></p><p>You can reply until {e(due)}.</p>"
        f'<p><a href="{e(env.link)}">Open my check-in</a> (the link works once: opening it '
        "signs you in on that device, where you can change your reply until the deadline).</p>"
        "<p>Or reply to this email with three to five bullets. Never include Social Security "
        "numbers, bank or card numbers, or anything classified: such replies are refused and "
        "not kept.</p>" + (f"<p>{e(contact)}</p>" if contact else "")
    )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = env.to
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = f"<{env.reference}@{REFERENCE_DOMAIN}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Headcount-Campaign"] = env.campaign_id
    message.set_content(text)
    message.add_alternative(
        f'<!doctype html><html lang="en"><body>{body}</body></html>', subtype="html"
    )
    return message
