"""Entry point of the `headcount` console script."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="headcount: evidence before claims.")


def main() -> None:
    app()
