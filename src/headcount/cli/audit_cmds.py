"""`headcount audit verify` and `headcount audit export`. Registered by cli/app.py.

`verify` exits 0 when the chain is intact and 1 when it is not, naming the first bad entry;
2 is bad input (an unreachable database, a missing key).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from headcount.audit import local_actor as cli_actor
from headcount.cli.campaign_cmds import Database, _fail, _store, console, errors

EXIT_BROKEN = 1
audit_app = typer.Typer(
    no_args_is_help=True, help="The tamper-evident audit log: check its chain, export it."
)


def _key() -> bytes:
    from headcount.audit import audit_key
    from headcount.secrets import SecretKeyError

    try:
        return audit_key()
    except SecretKeyError as exc:
        _fail(str(exc))


@audit_app.command("verify")
def verify(database: Database = None) -> None:
    """Check every entry's HMAC and link; exit 1 naming the first altered, deleted or
    inserted entry."""
    from headcount.audit import verify_chain

    key = _key()
    with _store(database) as store, store.begin() as s:
        verdict = verify_chain(s, key)
    if not verdict.ok:
        errors.print(
            f"[bold red]Audit log broken at entry {verdict.bad_seq}:[/] {verdict.reason}. "
            f"Entries 1 to {verdict.entries} are intact.",
            highlight=False,
        )
        raise typer.Exit(EXIT_BROKEN)
    console.print(
        f"Audit log intact: {verdict.entries:,} entries; head hash {verdict.head_hash}.",
        highlight=False,
    )


@audit_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    actor: Annotated[str | None, typer.Option(help="Only this user's entries.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action, or family (login = login.*).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this day (YYYY-MM-DD, UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="To this day, included.")] = None,
    database: Database = None,
) -> None:
    """Write the (filtered) audit log as CSV; the export itself is audited."""
    from headcount.audit.export import export_csv
    from headcount.audit.query import AuditFilter, FilterError

    try:
        filters = AuditFilter.parse(actor, action, since, until)
    except FilterError as exc:
        _fail(str(exc))
    _key()
    if out.is_dir():
        _fail(f"{out} is a folder: give a file name")
    with _store(database) as store:
        try:
            count = export_csv(store, filters, out, actor=cli_actor(), client=None)
        except OSError as exc:
            _fail(f"cannot write {out}: {exc.strerror or exc}")
    console.print(f"Wrote {count:,} audit entries to {out}.", highlight=False)
