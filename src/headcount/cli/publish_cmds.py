"""`headcount publish`: aggregate figures from a results folder (and, with --database, the
case store) with small cells suppressed, into OUT. Registered by cli/app.py.

Exit codes: 0 written; 2 bad input (no such results folder, an unreadable summary.json or
findings.csv, an OUT that is something else); 1 an internal error. Nothing is written to
OUT on an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from headcount.cli.common import console, explained_errors, fail, open_store


def publish(
    results: Annotated[
        Path,
        typer.Option("--results", metavar="RESULTS", help="A `headcount verify` results folder."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Folder to write publication.html and figures.csv into (atomically).",
        ),
    ],
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            metavar="URL",
            help="Also publish case figures (verified, determined, recovered) from this "
            "store (SQLAlchemy URL). Without it only the results are read.",
        ),
    ] = None,
) -> None:
    """Publish aggregate figures safely: every figure on its rung of the evidence ladder,
    counts of 1 to 10 (and their dollars) withheld, and enough others withheld that no
    withheld figure can be worked out from the totals. No identifier, name or free text."""
    from headcount.publish.results import PublishError
    from headcount.publish.run import publish as run_publish

    if not results.is_dir():
        fail(f"{results}: no such results folder")
    with explained_errors(out):
        try:
            if database is None:
                done = run_publish(results, out)
            else:
                with open_store(database) as store:
                    done = run_publish(results, out, store=store)
        except PublishError as exc:
            fail(f"{exc}\nNothing was written.")
    s = done.suppressed
    console.print(
        f"Published {done.figures:,} figures in {done.tables} tables to {done.out}: "
        f"{len(s.primary):,} withheld as small, {len(s.complementary):,} more so that none "
        "can be worked out.",
        highlight=False,
    )
