"""`headcount debts …`: every step of an overpayment debt (list, show, notice, agree, pay,
offset, waiver-request, waiver-decide, separate, refer), taken `--as` a staff user whose role
and agency the library checks as for the web app and the API, and `export-top`, the file of
debts referred to the Treasury Offset Program. Registered by cli/app.py.

Exit codes: 0 success, 2 bad input or a step the debt cannot take now (the message says
why), 1 an internal error. Nothing is written on an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from headcount.cli.cases_cmds import As, KeyringFile, acting, load_keyring, print_json
from headcount.cli.common import Database, console, fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from headcount.cases.access import Actor

debts_app = typer.Typer(
    no_args_is_help=True,
    help="Recovery of overpayments: notice of debt, repayment agreement, payments, waiver, "
    "salary offset (at most 15% of disposable pay), Treasury Offset referral.",
)
DebtId = Annotated[int, typer.Argument(help="The debt number.", min=1)]
Amount = Annotated[str, typer.Option("--amount", help="Dollars, e.g. 125.00.")]
Reason = Annotated[str, typer.Option("--reason", help="In words (no SSNs or account numbers).")]


def _step(database: str | None, user: str, debt_id: int, step: str, **fields: str | None) -> None:
    from headcount.cases.debts.steps import take_step

    with acting(database, user) as (s, actor):
        take_step(s, debt_id, actor, step, fields)
        _show(s, debt_id, actor)


def _show(session: Session, debt_id: int, actor: Actor) -> None:
    from headcount.cases.debts.ledger import get_debt
    from headcount.web.case_api import debt_out

    print_json(debt_out(get_debt(session, debt_id, actor), detail=True).model_dump())


@debts_app.command("list")
def list_debts(
    user: As,
    state: Annotated[str, typer.Option("--state", help="Only debts in this state.")] = "",
    database: Database = None,
) -> None:
    """List the debts the user may see, with their balances."""
    from rich.table import Table

    from headcount.cases.debts.ledger import list_debts as listed

    table = Table("debt", "case", "employee", "state", "principal", "received", "waived",
                  "balance")  # fmt: skip
    with acting(database, user) as (s, actor):
        for d in listed(s, actor, state or None):
            table.add_row(str(d.id), str(d.case_id), d.person.employee_id, d.state,
                          *(f"{v:,.2f}" for v in (d.principal, d.received, d.waived, d.balance)))  # fmt: skip
    console.print(table)


@debts_app.command("show")
def show(debt_id: DebtId, user: As, database: Database = None) -> None:
    """A debt as JSON (the API's shape): schedule, payments, waivers, history."""
    with acting(database, user) as (s, actor):
        _show(s, debt_id, actor)


@debts_app.command("notice")
def notice(debt_id: DebtId, user: As, database: Database = None) -> None:
    """Send the notice of debt (its PDF is kept on the debt); payment falls due in 30 days."""
    _step(database, user, debt_id, "notice")


@debts_app.command("agree")
def agree(
    debt_id: DebtId, user: As,
    instalment: Annotated[str, typer.Option("--instalment", help="Dollars per instalment.")],
    first_due: Annotated[str, typer.Option("--first-due", help="YYYY-MM-DD.")],
    every: Annotated[int, typer.Option("--every", min=1, max=366, help="Days between.")] = 14,
    database: Database = None,
) -> None:  # fmt: skip
    """Record a repayment agreement (it replaces any earlier one)."""
    _step(database, user, debt_id, "agreement", instalment=instalment, first_due=first_due,
          interval_days=str(every))  # fmt: skip


@debts_app.command("pay")
def pay(
    debt_id: DebtId, user: As, amount: Amount,
    method: Annotated[str, typer.Option("--method",
                      help="repayment, or treasury_offset once referred.")] = "repayment",
    reference: Annotated[str, typer.Option("--reference", help="Receipt reference.")] = "",
    database: Database = None,
) -> None:  # fmt: skip
    """Record money received."""
    _step(database, user, debt_id, "payment", amount=amount, method=method, reference=reference)


@debts_app.command("offset")
def offset(
    debt_id: DebtId, user: As,
    disposable_pay: Annotated[str, typer.Option("--disposable-pay",
                              help="The pay period's disposable pay, dollars.")],
    period_end: Annotated[str, typer.Option("--period-end", help="Pay period end, YYYY-MM-DD.")],
    amount: Annotated[str | None, typer.Option("--amount",
                      help="Dollars (default: the most allowed, 15% less earlier offsets).")] = None,
    database: Database = None,
) -> None:  # fmt: skip
    """Record a salary offset from one pay period."""
    _step(database, user, debt_id, "offset", disposable_pay=disposable_pay,
          pay_period_end=period_end, amount=amount)  # fmt: skip


@debts_app.command("waiver-request")
def waiver_request(debt_id: DebtId, user: As, reason: Reason, database: Database = None) -> None:
    """Record a waiver request (5 U.S.C. 5584): the debt is in dispute until decided."""
    _step(database, user, debt_id, "waiver-request", reason=reason)


@debts_app.command("waiver-decide")
def waiver_decide(
    debt_id: DebtId, user: As, amount: Amount, reason: Reason, database: Database = None
) -> None:
    """Decide the pending waiver request: the amount waived (0 denies it)."""
    _step(database, user, debt_id, "waiver-decision", amount=amount, reason=reason)


@debts_app.command("separate")
def separate(debt_id: DebtId, user: As, database: Database = None) -> None:
    """Record that the person left service: no more salary offset."""
    _step(database, user, debt_id, "separation")


@debts_app.command("refer")
def refer(debt_id: DebtId, user: As, database: Database = None) -> None:
    """Refer to the Treasury Offset Program (delinquent 120 days, not in dispute)."""
    _step(database, user, debt_id, "referral")


@debts_app.command("export-top")
def export_top(
    user: As,
    out: Annotated[Path, typer.Option("--out", help="The referral file to write (CSV).")],
    keyring: KeyringFile = None,
    database: Database = None,
) -> None:
    """Write the file of debts referred to the Treasury Offset Program (docs/cases.md)."""
    from headcount.cases.debts.top import write_referrals

    ring = load_keyring(keyring)
    if out.exists():
        fail(f"{out} exists: choose a new file (a referral file is never overwritten)")
    with acting(database, user) as (s, actor):
        count = write_referrals(s, actor, ring, out)
    console.print(f"{count:,} referred debt(s) written to {out}.", highlight=False)
