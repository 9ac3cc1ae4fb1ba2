"""`headcount users …`: add staff users, change a role, list users. Registered by cli/app.py.

Exit codes as everywhere: 0 success, 2 bad input (a taken name, an unknown role, a weak
password), 1 an internal error. Changes are audited with the operating-system user as actor.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from headcount.cli.common import Database, console, fail, open_store, shell_actor

users_app = typer.Typer(
    no_args_is_help=True,
    help="Staff users and their roles (employee, supervisor, analyst, auditor, admin).",
)

Agency = Annotated[
    str | None,
    typer.Option(
        "--agency",
        help="Limit an employee, supervisor or analyst to this agency (auditors and admins "
        "see all).",
    ),
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("no terminal to ask for the password: pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        fail("the two passwords differ; nothing was written")
    return first


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="The new user's sign-in name.")],
    role: Annotated[
        str, typer.Option("--role", help="employee, supervisor, analyst, auditor or admin.")
    ],
    agency: Agency = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of standard input."
        ),
    ] = False,
    database: Database = None,
) -> None:
    """Create a user with a password (asked twice, or read with --password-stdin)."""
    from headcount.auth.passwords import PasswordError
    from headcount.auth.roles import RoleError, parse_role
    from headcount.auth.users import UserError, add_user

    try:
        chosen = parse_role(role)
    except RoleError as exc:
        fail(str(exc))
    password = _read_password(password_stdin)
    with open_store(database) as store:
        try:
            with store.begin() as s:
                add_user(s, username, chosen, password, agency=agency, actor=shell_actor())
        except (UserError, RoleError, PasswordError) as exc:
            fail(f"{exc}; nothing was written")
    scope = f" for agency {agency}" if agency else ""
    console.print(f"Added {username} as {chosen.value}{scope}.", highlight=False)


@users_app.command("role")
def role(
    username: Annotated[str, typer.Argument(help="An existing user.")],
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help="The new role.")],
    agency: Agency = None,
    database: Database = None,
) -> None:
    """Change a user's role (and agency); their open sessions end."""
    from headcount.auth.roles import RoleError, parse_role
    from headcount.auth.users import UserError, set_role

    try:
        chosen = parse_role(new_role)
    except RoleError as exc:
        fail(str(exc))
    with open_store(database) as store:
        try:
            with store.begin() as s:
                user = set_role(s, username, chosen, agency=agency, actor=shell_actor())
                scope = user.agency or "every agency"
        except (UserError, RoleError) as exc:
            fail(f"{exc}; nothing was changed")
    console.print(f"{username} is now {chosen.value} ({scope}).", highlight=False)


@users_app.command("list")
def list_(database: Database = None) -> None:
    """List users with their role and agency (never a password hash)."""
    from headcount.auth.users import list_users

    with open_store(database) as store, store.begin() as s:
        table = Table()
        for column in ("user", "role", "agency", "created (UTC)"):
            table.add_column(column)
        for user in list_users(s):
            table.add_row(
                user.username, user.role, user.agency or "all",
                user.created_at.strftime("%Y-%m-%d %H:%M"),
            )  # fmt: skip
    console.print(table)
