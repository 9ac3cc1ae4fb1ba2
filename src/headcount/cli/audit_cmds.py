"""`headcount audit verify` and `headcount audit export`. Registered by cli/app.py.

`verify` exits 0 when the chain is intact and 1 when it is not, naming the first bad entry;
2 is bad input (an unreachable database, a missing key).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from headcount.cli.common import Database, console, errors, fail, open_store, shell_actor

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
        fail(str(exc))


@audit_app.command("verify")
def verify(database: Database = None) -> None:
    """Check every entry's HMAC and link; exit 1 naming the first altered, deleted or
    inserted entry."""
    from headcount.audit import verify_chain

    key = _key()
    with open_store(database) as store, store.begin() as s:
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
        fail(str(exc))
    _key()
    if out.is_dir():
        fail(f"{out} is a folder: give a file name")
    with open_store(database) as store:
        try:
            count = export_csv(store, filters, out, actor=shell_actor(), client=None)
        except OSError as exc:
            fail(f"cannot write {out}: {exc.strerror or exc}")
    console.print(f"Wrote {count:,} audit entries to {out}.", highlight=False)


@audit_app.command("views")
def views(
    user: Annotated[
        str,
        typer.Option(
            "--as", envvar="HEADCOUNT_USER",
            help="The staff user exporting: must have the auditor role.",
        ),
    ],
    since: Annotated[
        str | None, typer.Option("--from", help="From this day (YYYY-MM-DD, UTC).")
    ] = None,
    until: Annotated[str | None, typer.Option("--to", help="To this day, included.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: stdout).")
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Only this user's views.")] = None,
    database: Database = None,
) -> None:  # fmt: skip
    """Export the summarised page views (who viewed which record, per day) as CSV or JSON;
    for auditors; the export itself is audited."""
    import sys

    from headcount.audit.query import AuditFilter, FilterError
    from headcount.audit.view_export import FORMATS, export_views
    from headcount.auth.policy import VIEWS_EXPORT
    from headcount.auth.roles import Role
    from headcount.auth.users import find_user

    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: use csv or json")
    try:
        filters = AuditFilter.parse(actor, None, since, until)
    except FilterError as exc:
        fail(str(exc).replace("'since'", "--from").replace("'until'", "--to"))
    _key()
    if out is not None and out.is_dir():
        fail(f"{out} is a folder: give a file name")
    with open_store(database) as store:
        with store.begin() as s:
            found = find_user(s, user)
            role = Role(found.role) if found else None
        if found is None:
            fail(f"no staff user {user!r} (see headcount users list)")
        if role not in VIEWS_EXPORT:
            fail(f"{user} is {role}: only an auditor may export page views")
        client = shell_actor()
        if out is None:
            export_views(store, filters, fmt, sys.stdout, actor=user, client=client)
            return
        tmp = out.with_name(f".{out.name}.part")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                count = export_views(store, filters, fmt, fh, actor=user, client=client)
            tmp.replace(out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            fail(f"cannot write {out}: {exc.strerror or exc}")
    errors.print(f"Wrote {count:,} page-view rows to {out}.", highlight=False)
