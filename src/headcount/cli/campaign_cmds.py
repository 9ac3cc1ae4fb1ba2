"""`headcount campaign …` and `headcount serve`: thin commands over headcount.checkins.

Registered on the main Typer app by cli/app.py. Same exit codes: 0 success, 1 internal
error, 2 bad input or usage (an unreadable roster, an unknown campaign, a bad option).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from headcount.cli.common import Database, console, fail, open_store, record_change
from headcount.cli.smtp_options import SmtpOptions, smtp_options
from headcount.contract.policy import Policy

if TYPE_CHECKING:
    from headcount.checkins.links import Signer

campaign_app = typer.Typer(
    no_args_is_help=True,
    help="Accomplishment check-ins: create a campaign from a roster, send it, remind, "
    "ingest emailed replies, export in the contract format. Not replying is never a finding.",
)


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

    with open_store(database) as store:
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
        # Who created a campaign, and who made replying mandatory where, is a decision to
        # account for: recorded with each agency's policy.
        record_change(
            store, "campaign.create", "campaign", summary.campaign_id,
            {"deadline": summary.deadline.isoformat(), "recipients": summary.recipients,
             "asked": summary.contactable,
             "policies": [f"{a}={p.value}" for a, p in summary.agencies.items()]},
        )  # fmt: skip
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


BaseUrl = Annotated[
    str,
    typer.Option(
        "--base-url",
        envvar="HEADCOUNT_BASE_URL",
        help="Address of `headcount serve` as employees reach it; links start with it.",
    ),
]
SecretFile = Annotated[
    Path | None,
    typer.Option(
        "--secret-file",
        envvar="HEADCOUNT_SECRET_FILE",
        help="Key that signs links (default ./headcount.key, created if missing; or "
        "$HEADCOUNT_SECRET_KEY). `serve` must use the same.",
    ),
]


def _signer(secret_file: Path | None) -> Signer:
    from headcount.checkins.links import Signer
    from headcount.secrets import SecretKeyError, load_secret

    try:
        return Signer(load_secret(secret_file))
    except SecretKeyError as exc:
        fail(str(exc))


def _mail(
    kind: str,
    campaign: str,
    database: str | None,
    base_url: str,
    secret_file: Path | None,
    smtp: SmtpOptions,
) -> None:
    from headcount.checkins.mail_out import send_invitations, send_reminders

    run = send_invitations if kind == "invitation" else send_reminders
    with open_store(database) as store:
        report = run(store, campaign, smtp.settings(), _signer(secret_file), base_url)
    console.print(
        f"{kind.capitalize()}s sent: {report.sent:,}; failed: {report.failed:,} "
        f"(retried by the next run); bounced: {report.bounced:,} (not retried). "
        "Nobody in an exempt agency was contacted."
    )
    if report.suppressed:
        console.print(
            f"{report.suppressed:,} people are not emailed again: their address bounced "
            "for good or they reported the email as spam."
        )
    if report.resumed:
        console.print(
            "This run finished the reminder round an earlier run left unfinished: nobody "
            "it had reached was reminded again. The next run starts a new round."
        )
    if report.requeued:
        console.print(
            f"{report.requeued:,} messages a stopped run had queued but never begun were "
            "sent by this run (its journal showed they had not gone out)."
        )
    if report.in_flight:
        console.print(
            f"{report.in_flight:,} messages were being handed to the server when a run "
            "stopped (or got no answer after their text): most arrived, some may not have. "
            "They are counted as sent and never sent again; `campaign remind` reaches them."
        )
    for error, count in sorted(report.errors.items()):
        console.print(f"  {count:,}: {error}", highlight=False)


@campaign_app.command("send")
@smtp_options
def send(
    campaign: Annotated[str, typer.Argument(help="Campaign id.")],
    smtp: SmtpOptions,
    base_url: BaseUrl = "http://127.0.0.1:8000",
    secret_file: SecretFile = None,
    database: Database = None,
) -> None:
    """Email every employee asked (not exempt) their personal link; retry deferred ones.
    Safe to rerun after a crash: nobody is sent a second invitation."""
    _mail("invitation", campaign, database, base_url, secret_file, smtp)


@campaign_app.command("remind")
@smtp_options
def remind(
    campaign: Annotated[str, typer.Argument(help="Campaign id.")],
    smtp: SmtpOptions,
    base_url: BaseUrl = "http://127.0.0.1:8000",
    secret_file: SecretFile = None,
    database: Database = None,
) -> None:
    """Remind those invited who have not replied, with a new link (before the deadline).
    Nobody whose address bounced for good, or who reported spam, is emailed. Each run is
    a round of one reminder a person; rerun after a crash, it finishes the interrupted round
    and reminds nobody twice."""
    _mail("reminder", campaign, database, base_url, secret_file, smtp)


@campaign_app.command("ingest-mail")
@smtp_options
def ingest_mail(
    campaign: Annotated[str, typer.Argument(help="Campaign id.")],
    mailbox: Annotated[Path, typer.Argument(help="A Maildir folder or an mbox file of replies.")],
    smtp: SmtpOptions,
    delete_refused: Annotated[
        bool,
        typer.Option(
            "--delete-refused",
            help="Remove refused messages (sensitive data) from the mailbox afterwards.",
        ),
    ] = False,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify",
            help="Email each refused sender's work address why (uses the SMTP options).",
        ),
    ] = False,
    secret_file: SecretFile = None,
    database: Database = None,
) -> None:
    """Read emailed replies, match each to its employee, and save or refuse it."""
    from headcount.checkins.mail_in import delete_messages, ingest_mailbox
    from headcount.checkins.mail_out import send_refusal_notices
    from headcount.secrets import SecretKeyError, load_secret

    try:
        secret = load_secret(secret_file)
    except SecretKeyError as exc:
        fail(str(exc))
    if not mailbox.exists():
        fail(f"{mailbox}: no such Maildir or mbox")
    with open_store(database) as store:
        report = ingest_mailbox(store, campaign, mailbox, secret)
        if notify and report.refusals:
            notices = send_refusal_notices(store, campaign, report.refusals, smtp.settings())
            console.print(f"Refusal notices sent: {notices.sent:,}; failed: {notices.failed:,}")
        record_change(
            store, "campaign.ingest_mail", "campaign", campaign,
            {"outcomes": [f"{k}={v}" for k, v in sorted(report.outcomes.items())], "notify": notify,
             "delete_refused": delete_refused},
        )  # fmt: skip
    if delete_refused and report.refused_keys:
        delete_messages(mailbox, report.refused_keys)
    for outcome, count in sorted(report.outcomes.items()):
        console.print(f"{count:,} {outcome}", highlight=False)
    if report.refused_keys and not delete_refused:
        console.print(
            f"{len(report.refused_keys):,} refused messages held sensitive data and are still "
            "in the mailbox; rerun with --delete-refused or remove them."
        )


@campaign_app.command("letters")
def letters(
    campaign: Annotated[str, typer.Argument(help="Campaign id.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The printable HTML file to write (mode 0600).")
    ],
    base_url: BaseUrl = "http://127.0.0.1:8000",
    secret_file: SecretFile = None,
    database: Database = None,
) -> None:
    """Printable letters for staff without a work email: a short code each, the address
    of the page where it is typed, and a QR code of it. Only people without a letter yet."""
    from headcount.checkins.letters import issue_letters, render_letters

    if out.is_dir():
        fail(f"--out {out}: give a file name, not a folder")
    secret = _signer(secret_file).secret
    with open_store(database) as store:
        issued = issue_letters(store, campaign, secret, base_url)
    render_letters(issued, out)
    console.print(
        f"{len(issued):,} letters written to {out} (readable by you only: it holds live "
        "codes). Print it and hand each letter to its person."
    )


@campaign_app.command("export")
def export(
    campaign: Annotated[str, typer.Argument(help="Campaign id.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for campaigns.csv and checkins.csv.")
    ],
    database: Database = None,
) -> None:
    """Write campaigns.csv and checkins.csv in the data contract's format (for `verify`)."""
    from headcount.checkins.export import export_campaign

    with open_store(database) as store:
        done = export_campaign(store, campaign, out)
    console.print(
        f"Wrote {done.campaigns_csv} ({done.agencies} agencies) and {done.checkins_csv} "
        f"({done.checkins:,} check-ins)."
    )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    database: Database = None,
    secret_file: SecretFile = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            envvar="HEADCOUNT_TRUSTED_PROXIES",
            show_envvar=True,
            help="Reverse proxy (address or network) whose X-Forwarded-For is believed; "
            "repeat or comma-separate. Default: none, the header is ignored.",
        ),
    ] = None,
    request_log: Annotated[
        Path | None,
        typer.Option(
            "--request-log",
            envvar="HEADCOUNT_REQUEST_LOG",
            show_envvar=True,
            help="File the request log is appended to (default: standard error).",
        ),
    ] = None,
) -> None:
    """Run the web app (check-in pages, dashboard, JSON API) with uvicorn."""
    import os

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from headcount.store import database_url
    from headcount.web.app import ENV_TRUSTED_PROXIES
    from headcount.web.middleware import log_config, trusted_proxies

    try:
        trusted = trusted_proxies(trusted_proxy or [])
    except ValueError as exc:
        fail(str(exc))
    if request_log is not None and (request_log.is_dir() or not request_log.parent.is_dir()):
        fail(f"--request-log {request_log}: give a file in an existing folder")
    os.environ["HEADCOUNT_DATABASE_URL"] = database_url(database)
    os.environ[ENV_TRUSTED_PROXIES] = ",".join(trusted)
    if secret_file is not None:
        os.environ["HEADCOUNT_SECRET_FILE"] = str(secret_file)
    _signer(secret_file)  # create or check the key once, before any worker starts
    with open_store(database):  # migrate once, before any worker starts
        pass
    # access_log off: our own middleware logs paths with tokens redacted. proxy_headers off:
    # uvicorn would believe X-Forwarded-For from 127.0.0.1; the app trusts only `trusted`.
    uvicorn.run(
        "headcount.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level=log_level,
        log_config=log_config(request_log, LOGGING_CONFIG),
        proxy_headers=False,
    )
