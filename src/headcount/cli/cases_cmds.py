"""`headcount cases …`: import a verify run's findings as cases; set an agency's contest
terms; and every step of a case (list, show, verify, notice, no-contest, determine, dismiss,
close, exception, approve-exception, referral, approve-referral), taken `--as` a staff user
whose role and agency the library checks exactly as for the web app and the API; the audit
log names that user and the shell login. Registered by cli/app.py.

Exit codes: 0 success, 2 bad input (a missing or malformed results file, an unreadable
dataset, no agency for someone, a step the case cannot take now, a role that may not, a
case not found), 1 an internal error. Nothing is written on an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from headcount.cli.common import Database, console, fail, open_store, shell_actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from headcount.cases.access import Actor
    from headcount.pii import Keyring

cases_app = typer.Typer(
    no_args_is_help=True,
    help="Due process: findings become cases; analysts verify, notify and decide in the web "
    "app. No adverse action before notice + the contest period.",
)

KeyringFile = Annotated[
    Path | None,
    typer.Option(
        "--keyring",
        envvar="HEADCOUNT_PII_KEYRING_FILE",
        help="PII keyring file (default ./headcount-pii.keyring, created if missing; or the "
        "keyring itself in $HEADCOUNT_PII_KEYRING). `serve` must use the same.",
    ),
]


def load_keyring(path: Path | None) -> Keyring:
    from headcount.pii import Keyring, KeyringError

    try:
        return Keyring.load(path)
    except KeyringError as exc:
        fail(str(exc))


@cases_app.command("import")
def import_(
    results: Annotated[Path, typer.Argument(help="A `headcount verify` results folder.")],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="The dataset folder verify read: names, agencies, and SSNs and bank accounts "
            "(stored only as tokens and ciphertext) of the people named.",
        ),
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option("--agency", help="Agency for people whose agency no file gives."),
    ] = None,
    database: Database = None,
    keyring: KeyringFile = None,
) -> None:
    """Open a case for every finding not imported before (keyed by finding_id)."""
    from headcount.cases.importer import import_results

    ring = load_keyring(keyring)
    with open_store(database) as store:
        done = import_results(
            store, results, actor=shell_actor(), keyring=ring, data=data, agency=agency
        )
    console.print(
        f"Cases opened: {done.new_cases:,}; already imported: {done.existing_cases:,}; "
        f"info findings (no case): {done.skipped_info:,}; people: {done.people:,}; "
        f"protected identifiers stored: {done.protected_values:,}.",
        highlight=False,
    )


@cases_app.command("agency")
def agency_terms(
    agency: Annotated[str, typer.Argument(help="Agency code, e.g. VA.")],
    contest_days: Annotated[
        int | None,
        typer.Option("--contest-days", help="Days to contest a notice (at least 30)."),
    ] = None,
    contact: Annotated[
        str | None,
        typer.Option("--contact", help="Where letters tell people to write instead."),
    ] = None,
    database: Database = None,
) -> None:
    """Set an agency's contest period and contact address for its notice letters."""
    from headcount import audit
    from headcount.cases.notices import set_agency_terms

    if contest_days is None and contact is None:
        fail("give --contest-days and/or --contact")
    with open_store(database) as store, store.begin() as s:
        setting = set_agency_terms(s, agency, days=contest_days, contact=contact)
        audit.record(
            s, actor=shell_actor(), action="cases.agency_terms", target_type="agency",
            target_id=agency, detail={"contest_days": setting.contest_days},
        )  # fmt: skip
        days, where = setting.contest_days, setting.contact or "not set (notices are refused)"
    console.print(f"{agency}: contest period {days} days; contact {where}.", highlight=False)


As = Annotated[
    str,
    typer.Option(
        "--as",
        envvar="HEADCOUNT_USER",
        help="The staff user taking the step (their role and agency apply, as in the web app).",
    ),
]
CaseId = Annotated[int, typer.Argument(help="The case number.", min=1)]
Reason = Annotated[str, typer.Option("--reason", help="The determination, in words (no SSNs).")]


@contextmanager
def acting(database: str | None, username: str) -> Iterator[tuple[Session, Actor]]:
    """A transaction and the staff user `username` as the actor; the library's refusals
    (a step not possible now, a role that may not, a record not found) become one sentence
    and exit status 2, with nothing written."""
    from headcount.auth.roles import Role
    from headcount.auth.users import find_user
    from headcount.cases.access import Actor, CaseNotFound, Forbidden

    with open_store(database) as store:
        try:
            with store.begin() as session:
                user = find_user(session, username)
                if user is None:
                    fail(f"no staff user {username!r} (see headcount users list)")
                actor = Actor(user.username, Role(user.role), user.agency, shell_actor())
                yield session, actor
        except (CaseNotFound, Forbidden) as exc:
            fail(str(exc))


def print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


def _show(session: Session, case_id: int, actor: Actor) -> None:
    from headcount.cases.access import get_case
    from headcount.web.case_api import case_out

    print_json(case_out(session, get_case(session, case_id, actor), detail=True).model_dump())


@cases_app.command("list")
def list_cases(
    user: As,
    state: Annotated[str, typer.Option("--state", help="Only cases in this state.")] = "",
    rule: Annotated[str, typer.Option("--rule", help="Only findings of this rule.")] = "",
    page: Annotated[int, typer.Option("--page", min=1, help="50 cases a page.")] = 1,
    database: Database = None,
) -> None:
    """List the cases the user may see."""
    from rich.table import Table

    from headcount.cases.search import CaseFilter, search_cases

    with acting(database, user) as (s, actor):
        rows, total = search_cases(s, actor, CaseFilter.of({"state": state, "rule": rule}), page)
        table = Table("case", "finding", "rule", "state", "outcome", "at risk", "people")
        for c in rows:
            people = ", ".join(p.employee_id for p in c.people)
            table.add_row(str(c.id), c.finding_id, c.rule, c.state, c.outcome or "",
                          f"{c.amount_at_risk:,.2f}", people)  # fmt: skip
    console.print(table)
    console.print(f"{total:,} case(s); page {page}.", highlight=False)


@cases_app.command("show")
def show(case_id: CaseId, user: As, database: Database = None) -> None:
    """A case as JSON (the API's shape): its determination and history. Audited as a view."""
    from headcount import audit

    with acting(database, user) as (s, actor):
        audit.record(s, actor=actor.username, action="case.view", target_type="case",
                     target_id=case_id, client=actor.client, detail={"via": "cli"})  # fmt: skip
        _show(s, case_id, actor)


@cases_app.command("verify")
def verify(
    case_id: CaseId, user: As,
    source: Annotated[str, typer.Option("--source", help="The independent source checked.")],
    note: Annotated[str, typer.Option("--note", help="What it showed.")] = "",
    database: Database = None,
) -> None:  # fmt: skip
    """Record the independent verification (5 U.S.C. 552a(p)(1))."""
    from headcount.cases import workflow

    with acting(database, user) as (s, actor):
        workflow.verify(s, case_id, actor, source=source, note=note)
        _show(s, case_id, actor)


@cases_app.command("notice")
def notice(
    case_id: CaseId, user: As,
    base_url: Annotated[str, typer.Option("--base-url", envvar="HEADCOUNT_BASE_URL",
                        help="Address of `headcount serve`; the contest links start with it.")],
    secret_file: Annotated[Path | None, typer.Option("--secret-file",
                           envvar="HEADCOUNT_SECRET_FILE",
                           help="Key that signs the contest links (as `serve` uses).")] = None,
    database: Database = None,
) -> None:  # fmt: skip
    """Write each person's notice letter and queue it for delivery (`cases deliver`)."""
    from headcount.cases import notices
    from headcount.secrets import SecretKeyError, load_secret

    try:
        signer = notices.contest_signer(load_secret(secret_file))
    except SecretKeyError as exc:
        fail(str(exc))
    with acting(database, user) as (s, actor):
        notices.send_notice(s, case_id, actor, signer=signer, base_url=base_url)
        _show(s, case_id, actor)


@cases_app.command("no-contest")
def no_contest(case_id: CaseId, user: As, database: Database = None) -> None:
    """Record that no contest came by the deadline."""
    from headcount.cases import workflow

    with acting(database, user) as (s, actor):
        workflow.record_no_contest(s, case_id, actor)
        _show(s, case_id, actor)


@cases_app.command("determine")
def determine(
    case_id: CaseId, user: As, reason: Reason,
    outcome: Annotated[str, typer.Option("--outcome", help="proper, improper_overpayment, "
                       "improper_underpayment, technically_improper or unknown.")],
    cause: Annotated[str | None, typer.Option("--cause", help="Why (claims.md codes); "
                     "for anything but proper.")] = None,
    identified: Annotated[str | None, typer.Option("--identified",
                          help="Dollars of the amount at risk confirmed improper.")] = None,
    prevented: Annotated[str | None, typer.Option("--prevented",
                         help="Dollars stopped before they went out.")] = None,
    overpayment: Annotated[str | None, typer.Option("--overpayment",
                           help="The debt established (opens a debt).")] = None,
    debtor: Annotated[str | None, typer.Option("--debtor",
                      help="Employee number of who was overpaid, when the case names several.")] = None,
    database: Database = None,
) -> None:  # fmt: skip
    """Record the coded determination."""
    from headcount.cases import determinations

    with acting(database, user) as (s, actor):
        determinations.determine(
            s, case_id, actor, outcome=outcome, cause=cause, identified=identified,
            prevented=prevented, overpayment=overpayment, reason=reason, debtor=debtor,
        )  # fmt: skip
        _show(s, case_id, actor)


@cases_app.command("dismiss")
def dismiss(case_id: CaseId, user: As, reason: Reason, database: Database = None) -> None:
    """Drop the lead: determined proper."""
    from headcount.cases import determinations

    with acting(database, user) as (s, actor):
        determinations.dismiss(s, case_id, actor, reason=reason)
        _show(s, case_id, actor)


@cases_app.command("close")
def close(case_id: CaseId, user: As, database: Database = None) -> None:
    """Close a determined case."""
    from headcount.cases import workflow

    with acting(database, user) as (s, actor):
        workflow.close(s, case_id, actor)
        _show(s, case_id, actor)


Justification = Annotated[str, typer.Option("--justification", help="Why, in words.")]
ItemId = Annotated[int, typer.Argument(help="The exception's or referral's number.", min=1)]


@cases_app.command("exception")
def exception(
    case_id: CaseId, user: As, justification: Justification, database: Database = None
) -> None:
    """Ask for a public-health-or-safety exception (two other users must approve)."""
    from headcount.cases import workflow

    with acting(database, user) as (s, actor):
        made = workflow.request_exception(s, case_id, actor, justification=justification)
        console.print(f"Exception {made.id} asked on case {case_id}.", highlight=False)


@cases_app.command("approve-exception")
def approve_exception(case_id: CaseId, item: ItemId, user: As, database: Database = None) -> None:
    """Approve an exception someone else asked for."""
    from headcount.cases import workflow

    with acting(database, user) as (s, actor):
        workflow.approve_exception(s, case_id, item, actor)
        _show(s, case_id, actor)


@cases_app.command("referral")
def referral(
    case_id: CaseId, user: As, justification: Justification, database: Database = None
) -> None:
    """Ask to refer the case to the inspector general as suspected fraud (integrity role)."""
    from headcount.cases import determinations

    with acting(database, user) as (s, actor):
        made = determinations.request_referral(s, case_id, actor, justification=justification)
        console.print(f"Referral {made.id} asked on case {case_id}.", highlight=False)


@cases_app.command("approve-referral")
def approve_referral(case_id: CaseId, item: ItemId, user: As, database: Database = None) -> None:
    """Approve a fraud referral a second integrity officer asked for."""
    from headcount.cases import determinations

    with acting(database, user) as (s, actor):
        determinations.approve_referral(s, case_id, item, actor)
        _show(s, case_id, actor)
