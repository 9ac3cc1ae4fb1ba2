"""`headcount cases deliver|letters|mailed|delivered|bounced|recipient` and `headcount debts
deliver`: letters go out by email (the PDF attached, only a reference in the message) and in
print batches with a manifest, and the mailroom's dates are recorded; the periods that count
from delivery start then (docs/cases.md, "Letters delivered"). Registered on the `cases` and
`debts` groups by cli/app.py.

Exit codes: 0 success, 2 bad input or a step not possible now (the message says why), 1 an
internal error. An SMTP server that cannot be reached stops the run with exit status 2;
letters already sent stay recorded as sent.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from headcount.cli.cases_cmds import As, acting, cases_app, print_json
from headcount.cli.common import Database, console, fail, open_store
from headcount.cli.debts_cmds import debts_app
from headcount.cli.smtp_options import SmtpOptions, smtp_options

if TYPE_CHECKING:
    from headcount.cases.access import Actor
    from headcount.cases.delivery.models import LetterKind

LetterId = Annotated[
    int, typer.Argument(help="The letter number (`headcount cases letters`).", min=1)
]
On = Annotated[
    datetime | None,
    typer.Option("--on", formats=["%Y-%m-%d"], help="The day, YYYY-MM-DD (default: today, UTC)."),
]
Email = Annotated[
    bool, typer.Option("--email", help="Email every letter due by email (the SMTP options).")
]
PrintBatch = Annotated[
    Path | None,
    typer.Option(
        "--print-batch",
        help="Write every letter due by post to this PDF, its manifest beside it "
        "(.manifest.csv, .manifest.json), and record them as printed.",
    ),
]
Kinds = Annotated[
    list[str] | None,
    typer.Option("--kind", help="Only letters of this kind: notice, decision or debt_notice."),
]


def _kinds(values: list[str] | None) -> frozenset[LetterKind]:
    from headcount.cases.delivery.models import LetterKind

    try:
        return frozenset(LetterKind(v) for v in values) if values else frozenset(LetterKind)
    except ValueError:
        fail("--kind is notice, decision or debt_notice")


def _actor(database: str | None, user: str) -> Actor:
    with acting(database, user) as (_, actor):
        return actor


def _deliver(
    database: str | None, user: str, kinds: frozenset[LetterKind], email: bool,
    print_batch: Path | None, smtp: SmtpOptions,
) -> None:  # fmt: skip
    from headcount.cases.access import Forbidden
    from headcount.cases.delivery.email import send_letters
    from headcount.cases.delivery.printing import print_batch as write_batch

    if not email and print_batch is None:
        fail("give --email and/or --print-batch OUT.pdf")
    actor = _actor(database, user)
    with open_store(database) as store:
        try:
            if email:
                try:
                    sent = send_letters(store, smtp.settings(), actor, kinds=kinds)
                except Forbidden:
                    raise
                except OSError as exc:  # (Forbidden is a PermissionError, so an OSError)
                    fail(f"the SMTP server could not be reached ({type(exc).__name__})")
                console.print(
                    f"Emailed: {len(sent.sent):,}; to retry: {len(sent.failed):,}; "
                    f"refused for good, to post: {len(sent.to_post):,}.", highlight=False,
                )  # fmt: skip
            if print_batch is not None:
                with store.begin() as s:
                    printed = write_batch(s, actor, print_batch, kinds=kinds)
                if printed is None:
                    console.print("No letter is due by post.", highlight=False)
                else:
                    console.print(
                        f"Printed {printed.letters:,} letter(s), {printed.pages:,} page(s), "
                        f"in {printed.batch}: {printed.pdf}; manifest {printed.manifest_csv} "
                        f"and {printed.manifest_json}. Record each as mailed with "
                        "`headcount cases mailed LETTER --on DATE`.", highlight=False,
                    )  # fmt: skip
        except Forbidden as exc:
            fail(str(exc))


@cases_app.command("deliver")
@smtp_options
def deliver(
    user: As, smtp: SmtpOptions, email: Email = False, print_batch: PrintBatch = None,
    kind: Kinds = None, database: Database = None,
) -> None:  # fmt: skip
    """Send the letters due: by email to those with a work address (the PDF attached, only a
    reference in the message), in a print batch for the others. Safe to rerun."""
    _deliver(database, user, _kinds(kind), email, print_batch, smtp)


@debts_app.command("deliver")
@smtp_options
def deliver_debt_notices(
    user: As, smtp: SmtpOptions, email: Email = False, print_batch: PrintBatch = None,
    database: Database = None,
) -> None:  # fmt: skip
    """Send the notices of debt due, by email and/or in a print batch (as `cases deliver`)."""
    from headcount.cases.delivery.models import LetterKind

    _deliver(database, user, frozenset({LetterKind.DEBT_NOTICE}), email, print_batch, smtp)


@cases_app.command("letters")
def letters(
    case_id: Annotated[int, typer.Argument(help="The case number.", min=1)], user: As,
    database: Database = None,
) -> None:  # fmt: skip
    """A case's letters and their delivery, as JSON (the API's shape)."""
    from headcount.cases.access import get_case
    from headcount.cases.delivery.queue import letters_of
    from headcount.web.letter_api import letter_out

    with acting(database, user) as (s, actor):
        get_case(s, case_id, actor)
        print_json([letter_out(x).model_dump() for x in letters_of(s, case_id)])


def _day(on: datetime | None) -> date:
    from headcount.store import utcnow

    return on.date() if on is not None else utcnow().date()


@cases_app.command("mailed")
def mailed(letter_id: LetterId, user: As, on: On = None, database: Database = None) -> None:
    """Record the day a printed letter was mailed; its period counts from that day."""
    from headcount.cases.delivery.record import record_mailed
    from headcount.web.letter_api import letter_out

    with acting(database, user) as (s, actor):
        print_json(letter_out(record_mailed(s, letter_id, actor, on=_day(on))).model_dump())


@cases_app.command("delivered")
def delivered(letter_id: LetterId, user: As, on: On = None, database: Database = None) -> None:
    """Record the day a letter is known to have arrived (a return receipt, by hand)."""
    from headcount.cases.delivery.record import record_delivered
    from headcount.web.letter_api import letter_out

    with acting(database, user) as (s, actor):
        print_json(letter_out(record_delivered(s, letter_id, actor, on=_day(on))).model_dump())


@cases_app.command("bounced")
def bounced(letter_id: LetterId, user: As, database: Database = None) -> None:
    """Record that an emailed letter bounced: its period stops; it goes in the next batch."""
    from headcount.cases.delivery.record import record_bounce
    from headcount.web.letter_api import letter_out

    with acting(database, user) as (s, actor):
        print_json(letter_out(record_bounce(s, letter_id, actor)).model_dump())


@cases_app.command("recipient")
def recipient(
    employee_id: Annotated[str, typer.Argument(help="The person's employee id.")], user: As,
    email: Annotated[str | None, typer.Option("--email", help="Work address ('' removes it).")] = None,
    by_post: Annotated[bool | None, typer.Option("--post/--no-post",
                       help="Send this person's letters by post even with an address.")] = None,
    database: Database = None,
) -> None:  # fmt: skip
    """Where a person's letters go: their work email, or post."""
    from headcount.cases.delivery.queue import channel_for, set_recipient

    if email is None and by_post is None:
        fail("give --email and/or --post/--no-post")
    with acting(database, user) as (s, actor):
        person = set_recipient(s, actor, employee_id, email=email, by_post=by_post)
        how = channel_for(person).value
    console.print(f"{employee_id}: letters go by {how}.", highlight=False)
