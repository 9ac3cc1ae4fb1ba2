"""`headcount keys rotate|status`, `headcount purge` and `headcount retention`: the PII
keyring and the check-in text retention. Registered by cli/app.py.

Exit codes: 0 success, 2 bad input (a keyring from the environment for `rotate`, an unknown
campaign), 1 an internal error.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from headcount.cli.cases_cmds import KeyringFile
from headcount.cli.common import Database, console, fail, open_store, shell_actor

keys_app = typer.Typer(
    no_args_is_help=True,
    help="Keys: the PII keyring (rotate, status), under which SSNs and bank accounts are "
    "tokens and ciphertext; and key pairs that sign results (signing-pair).",
)


@keys_app.command("rotate")
def rotate(database: Database = None, keyring: KeyringFile = None) -> None:
    """Add a new key, re-encrypt and re-token every protected value under it in one
    transaction, then drop the old key. Reads keep working throughout."""
    from headcount import audit
    from headcount.pii import KeyringError, rotate_keys
    from headcount.pii.rotate import Rotation

    def record(session: object, r: Rotation) -> None:
        audit.record(
            session,  # type: ignore[arg-type]
            actor=shell_actor(), action="keys.rotate", target_type="keyring",
            detail={"old": list(r.old_key_ids), "new": r.new_key_id, "values": r.rewritten},
        )  # fmt: skip

    with open_store(database) as store:
        try:
            done = rotate_keys(store, keyring, audit=record)
        except KeyringError as exc:
            fail(f"{exc}; nothing was changed")
    old = ", ".join(done.old_key_ids)
    console.print(
        f"Rotated {done.path}: {done.rewritten:,} values now under {done.new_key_id}; "
        f"removed {old}.",
        highlight=False,
    )


@keys_app.command("status")
def status(database: Database = None, keyring: KeyringFile = None) -> None:
    """The keys held and how many protected values each one covers (never a key)."""
    from headcount.cli.cases_cmds import load_keyring
    from headcount.pii import key_ids_in_use

    ring = load_keyring(keyring)
    with open_store(database) as store, store.begin() as s:
        used = key_ids_in_use(s)
    table = Table()
    for column in ("key", "current", "values"):
        table.add_column(column)
    held = [k.id for k in ring.keys]
    for key_id in [*held, *sorted(set(used) - set(held))]:
        current = "yes" if key_id == held[-1] else ("MISSING" if key_id not in held else "")
        table.add_row(key_id, current, f"{used.get(key_id, 0):,}")
    console.print(table)


def purge(
    database: Database = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be removed; change nothing.")
    ] = False,
) -> None:
    """Remove check-in reply text whose retention period has ended (rates are unchanged)."""
    from headcount.cases.retention import purge as run_purge

    with open_store(database) as store:
        report = run_purge(store, actor=shell_actor(), dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    console.print(f"{verb} the text of {report.replies:,} replies.", highlight=False)
    if report.held_files:
        console.print(
            f"{verb} {report.held_files:,} expired file(s) held for unsent contests.",
            highlight=False,
        )
    for c in report.campaigns:
        quotes = f"; {c.case_quotes:,} quoted in case evidence" if c.case_quotes else ""
        console.print(
            f"  {c.campaign_id}: {c.replies:,}{quotes} (kept until {c.purge_after:%Y-%m-%d})",
            highlight=False,
        )


def retention(
    campaign: Annotated[str, typer.Argument(help="Campaign id.")],
    days: Annotated[
        int | None,
        typer.Argument(help="Days after the deadline to keep reply text; omit for the default."),
    ] = None,
    database: Database = None,
) -> None:
    """Set how long a campaign's reply text is kept after its deadline (default 90 days)."""
    from headcount.cases.retention import DEFAULT_DAYS, set_retention

    if days is not None and days < 0:
        fail("the retention period cannot be negative")
    with open_store(database) as store:
        set_retention(store, campaign, days, actor=shell_actor())
    shown = f"{days} days" if days is not None else f"the default ({DEFAULT_DAYS} days)"
    console.print(f"{campaign}: reply text kept {shown} after the deadline.", highlight=False)
