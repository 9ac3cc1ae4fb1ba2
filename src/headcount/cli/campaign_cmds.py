"""`headcount campaign …` and `headcount serve`: thin commands over headcount.checkins.

Registered on the main Typer app by cli/app.py. Same exit codes: 0 success, 1 internal
error, 2 bad input or usage (an unreadable roster, an unknown campaign, a bad option).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from headcount.store import ENV_URL, Policy, Store

EXIT_BAD_INPUT = 2
console = Console()
errors = Console(stderr=True)

campaign_app = typer.Typer(
    no_args_is_help=True,
    help="Accomplishment check-ins: create a campaign from a roster, send it, remind, "
    "ingest emailed replies, export in the contract format. Not replying is never a finding.",
)

Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar=ENV_URL,
        show_envvar=True,
        help="SQLAlchemy URL of the store (sqlite:///headcount.db by default, or postgresql://…).",
    ),
]


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    errors.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def _store(url: str | None) -> Iterator[Store]:
    """An open, migrated store; library errors become one sentence and exit status 2."""
    from headcount.checkins.campaigns import CampaignError
    from headcount.ingest import DatasetError
    from headcount.store import StoreError
    from headcount.store.db import check_connection

    try:
        store = Store.open(url)
        check_connection(store)
        store.upgrade()
    except StoreError as exc:
        _fail(str(exc))
    try:
        yield store
    except (CampaignError, DatasetError, StoreError, ValueError) as exc:
        _fail(str(exc))
    finally:
        store.close()


@campaign_app.command("create")
def create(
    campaign: Annotated[str, typer.Argument(help="A new campaign id, e.g. 2025-02-wk8.")],
    roster: Annotated[
        Path, typer.Option("--roster", help="roster.csv/.parquet, or a dataset folder with one.")
    ],
    deadline: Annotated[
        str,
        typer.Option(help="Last moment to reply: 2025-02-24 (end of day UTC) or ISO 8601."),
    ],
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", help="AGENCY=mandatory|voluntary|exempt; repeat for each agency."),
    ] = None,
    default_policy: Annotated[
        Policy, typer.Option(help="Policy for agencies not named by --policy.")
    ] = Policy.VOLUNTARY,
    title: Annotated[str, typer.Option(help="Subject line and page title.")] = (
        "What did you accomplish last week?"
    ),
    question: Annotated[
        str | None, typer.Option(help="The request in full (a sensible default is used).")
    ] = None,
    contact_email: Annotated[
        str, typer.Option(help="Where employees can ask questions about the campaign.")
    ] = "",
    database: Database = None,
) -> None:
    """Create a campaign from a roster: everyone in service, each agency's policy, a deadline."""
    from headcount.checkins.campaigns import DEFAULT_QUESTION, create_campaign, parse_deadline
    from headcount.checkins.policy import parse_policies

    with _store(database) as store:
        summary = create_campaign(
            store,
            campaign,
            roster,
            deadline=parse_deadline(deadline),
            policies=parse_policies(policy or []),
            default_policy=default_policy,
            title=title,
            question=question or DEFAULT_QUESTION,
            contact_email=contact_email,
        )
    table = Table(title=f"Campaign {summary.campaign_id}")
    table.add_column("agency")
    table.add_column("policy")
    for agency, chosen in summary.agencies.items():
        table.add_row(agency, chosen.value)
    console.print(table)
    console.print(
        f"{summary.recipients:,} employees in service; {summary.contactable:,} will be asked "
        f"(nobody in an exempt agency or without a work email is contacted). "
        f"Deadline {summary.deadline.isoformat()}. Not replying has no consequence."
    )
