"""Letters by email: one message per letter to the person's work address, the PDF attached.

The subject and body carry the letter's reference (the finding id, or a debt's reference)
and nothing else about anyone: no name, employee number, SSN, account, date of birth or
address. Those are inside the PDF only; mail passes through relays and sits in mailboxes
that the letter's reader may not be the only one to read.

Sent over the check-ins' SMTP client (checkins/smtp.py). A letter is recorded as `sent`
before the final dot, in a transaction of its own (as check-in mail is): a run killed after
that dot may leave a letter recorded as sent whose acceptance was never confirmed, never
one sent twice. The moment the server answers the dot is the letter's `sent_at` and starts
its period (record.py); a refusal puts it back in the queue with the SMTP error (never the
address), and a permanent refusal moves it to post.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from sqlalchemy import select

from headcount.cases.access import Actor, CaseError, Forbidden
from headcount.cases.delivery.models import Channel, Letter, LetterKind, LetterState
from headcount.cases.delivery.record import change, record_sent, workers_for_kind
from headcount.cases.models import Person
from headcount.checkins.models import DeliveryStatus
from headcount.checkins.smtp import Mailer, SmtpSettings, describe
from headcount.store import Store
from headcount.store.types import utcnow

KIND_WORDS = {
    LetterKind.NOTICE: "Notice of a payroll finding",
    LetterKind.DECISION: "Decision on a payroll finding",
    LetterKind.DEBT_NOTICE: "Notice of debt",
}
BODY = """\
A letter from your agency's payroll office is attached as a PDF file: {what}, reference
{reference}.

Please open the attachment and read it: it says what it is about, what you can do, and by
when. This message itself holds no personal information, and the attachment is the letter.

If you cannot open the attachment, write to your payroll office quoting reference
{reference} and ask for the letter by post. Do not send your Social Security number or bank
account number by email.
"""


@dataclass
class Sent:
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # letter id -> SMTP error class/code
    to_post: list[int] = field(default_factory=list)  # refused for good: printed next batch


def message_for(letter: Letter, to: str, sender: str) -> EmailMessage:
    what = KIND_WORDS[LetterKind(letter.kind)]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"{what}: reference {letter.reference}"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "headcount")
    message.set_content(BODY.format(what=what.lower(), reference=letter.reference))
    message.add_attachment(
        letter.pdf, maintype="application", subtype="pdf", filename=f"letter-{letter.id}.pdf"
    )
    return message


def due_by_email(store: Store, actor: Actor, kinds: frozenset[LetterKind]) -> list[int]:
    """Queued letters whose reader has a work address and did not choose post, that the
    actor may send (their role, their agency)."""
    with store.begin() as s:
        query = (
            select(Letter.id, Letter.kind, Person.agency)
            .join(Person, Person.id == Letter.person_id)
            .where(Letter.state == LetterState.QUEUED.value, Person.email.is_not(None),
                   Person.email != "", Person.by_post.is_(False),
                   Letter.kind.in_([k.value for k in kinds]))
            .order_by(Letter.id)
        )  # fmt: skip
        return [
            letter_id
            for letter_id, kind, agency in s.execute(query)
            if actor.sees(agency) and actor.role in workers_for_kind(LetterKind(kind))
        ]


def send_letters(
    store: Store, settings: SmtpSettings, actor: Actor, *,
    kinds: frozenset[LetterKind] = frozenset(LetterKind), now: datetime | None = None,
) -> Sent:  # fmt: skip
    """Email every letter due by email that the actor may send; each in its own transaction."""
    if not any(actor.role in workers_for_kind(k) for k in kinds):
        raise Forbidden(f"a {actor.role.value} may not send these letters")
    done = Sent()
    mailer = Mailer(settings)
    try:
        for letter_id in due_by_email(store, actor, kinds):
            _send_one(store, mailer, settings, actor, letter_id, done, now)
    finally:
        mailer.close()
    return done


def _send_one(
    store: Store, mailer: Mailer, settings: SmtpSettings, actor: Actor, letter_id: int,
    done: Sent, now: datetime | None,
) -> None:  # fmt: skip
    with store.begin() as s:
        letter = s.get(Letter, letter_id, with_for_update=True)
        if letter is None or letter.state != LetterState.QUEUED.value:
            return  # another sender took it
        to = letter.person.email or ""
        data = message_for(letter, to, settings.sender).as_bytes(policy=SMTP)

    def before_dot() -> None:
        with store.begin() as s:
            claimed = s.get_one(Letter, letter_id, with_for_update=True)
            if claimed.state != LetterState.QUEUED.value:
                raise CaseError(f"letter {letter_id} was taken by another sender")
            claimed.channel, claimed.sent_at = Channel.EMAIL.value, utcnow()
            change(s, claimed, LetterState.SENT, actor=actor.username, now=claimed.sent_at,
                   how="email handed to the mail server; acceptance not yet confirmed",
                   client=actor.client)  # fmt: skip

    try:
        mailer.send(to, data, before_dot)
    except CaseError:
        return
    except Exception as exc:  # an SMTP refusal or a dropped connection
        failure = describe(exc)
        _refused(store, letter_id, actor, failure.what, failure.status)
        if failure.status is DeliveryStatus.BOUNCED_HARD:
            done.to_post.append(letter_id)
        else:
            done.failed[letter_id] = failure.what
        if failure.connection:
            raise
        return
    with store.begin() as s:
        letter = s.get_one(Letter, letter_id, with_for_update=True)
        record_sent(s, letter, actor=actor.username, accepted_at=now or utcnow(),
                    client=actor.client)  # fmt: skip
    done.sent.append(letter_id)


def _refused(store: Store, letter_id: int, actor: Actor, what: str, status: DeliveryStatus) -> None:
    """Back to the queue (a temporary refusal: the next run tries again) or, refused for
    good, to post: the person's address is not used again until it is corrected."""
    with store.begin() as s:
        letter = s.get_one(Letter, letter_id, with_for_update=True)
        letter.failure = what[:200]
        claimed = letter.state == LetterState.SENT.value  # the dot was refused after the claim
        letter.sent_at = None
        if status is DeliveryStatus.BOUNCED_HARD:
            letter.person.by_post = True
            letter.channel = Channel.POST.value
            how = f"email refused ({what}): to be printed and mailed"
        else:
            how = f"email refused for now ({what}): the next run tries again"
        if claimed or status is DeliveryStatus.BOUNCED_HARD:
            change(s, letter, LetterState.QUEUED, actor=actor.username, now=utcnow(), how=how,
                   client=actor.client)  # fmt: skip
