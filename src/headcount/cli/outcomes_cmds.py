"""`headcount outcomes`: the outcome report from the case store, per agency and rule, every
figure labelled with its rung of the evidence ladder, as tables, CSV or JSON. Registered by
cli/app.py.

This is the internal report for analysts and auditors (nothing is suppressed): to publish
figures, use `headcount publish`, which withholds small cells.

Exit codes: 0 written; 2 bad input (a date that is not YYYY-MM-DD, a period that ends
before it starts, an OUT that cannot be written); 1 an internal error.
"""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from headcount.cli.common import Database, console, fail, open_store

if TYPE_CHECKING:
    from headcount.cases.outcomes.report import OutcomeReport


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def outcomes(
    start: Annotated[
        str | None,
        typer.Option("--from", metavar="DATE", help="First day of the period (YYYY-MM-DD, UTC)."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", metavar="DATE", help="Last day of the period, included."),
    ] = None,
    agency: Annotated[
        str | None, typer.Option("--agency", metavar="A", help="One agency only.")
    ] = None,
    output: Annotated[
        Format, typer.Option("--format", help="table (the terminal), csv or json.")
    ] = Format.table,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write to FILE instead of the terminal."),
    ] = None,
    database: Database = None,
) -> None:
    """What became of the leads, per agency and rule: leads, verified, determined by outcome
    and cause, dollars identified, prevented, overpaid, recovered and waived, median days
    from lead to determination, share cleared after contest. Each figure counts what
    happened at its rung within the period, and names that rung."""
    from headcount.cases.outcomes.export import to_csv, to_json
    from headcount.cases.outcomes.records import Window
    from headcount.cases.outcomes.report import outcome_report

    try:
        window = Window(_day(start), _day(end))
    except ValueError as exc:
        fail(str(exc))
    with open_store(database) as store, store.begin() as s:
        report = outcome_report(s, window=window, agency=agency)
    if output is Format.table:
        text = table_text(report, color=out is None)
    else:
        text = to_csv(report) if output is Format.csv else to_json(report)
    if out is None:
        if output is Format.table:
            console.print(text, end="", highlight=False, markup=False)
        else:
            typer.echo(text, nl=False)
        return
    _write(out, text)
    console.print(f"Wrote the outcome report ({output.value}) to {out}", highlight=False)


def _write(out: Path, text: str) -> None:
    """Write FILE whole or not at all (a temporary file beside it, then one rename)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        fail(f"cannot write {out}: {exc.strerror or exc}")


def table_text(report: OutcomeReport, *, color: bool) -> str:
    """One table per section; each column's header names its rung."""
    from rich.console import Console
    from rich.table import Table

    from headcount.cases.outcomes.export import sections, shown
    from headcount.cases.outcomes.report import ALL

    buffer = io.StringIO()
    terminal = Console(file=buffer, width=max(console.width, 100), no_color=not color,
                       force_terminal=color, highlight=False)  # fmt: skip
    agency = report.agency or "every agency"
    terminal.print(
        f"Outcome report: {agency}, {report.window.words()}. Each figure counts what happened "
        "at its rung in the period; figures on different rungs are never added together.",
        markup=False,
    )
    for _, title, measures in sections(report):
        table = Table(title=title, title_justify="left")
        table.add_column("agency")
        table.add_column("rule")
        for m in measures:
            table.add_column(f"{m.label} ({m.rung.value})", justify="right")
        for row in report.rows:
            table.add_row(
                "all agencies" if row.agency == ALL else row.agency,
                "all rules" if row.rule == ALL else row.rule,
                *(shown(m, row.values[m.key]) for m in measures),
                style="bold" if row.total else None,
            )
        terminal.print(table)
    return buffer.getvalue()
