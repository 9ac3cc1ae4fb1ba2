"""`headcount cases …`: import a verify run's findings as cases; set an agency's contest
terms. The steps of a case (verify, notice, determination) are taken in the web app, where
each is signed by the user who takes it. Registered by cli/app.py.

Exit codes: 0 success, 2 bad input (a missing or malformed results file, an unreadable
dataset, no agency for someone), 1 an internal error. Nothing is written on an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from headcount.cli.common import Database, console, fail, open_store, shell_actor

if TYPE_CHECKING:
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
