"""The `headcount` console script: install the signal handlers, then import and run the app.

Importing the app (Typer, Rich, the command modules) takes a moment; a Ctrl-C in that
moment is reported like any other interruption.
"""

from __future__ import annotations

import sys

from headcount.cli.signals import exit_code, install, word


def main() -> None:
    """The `headcount` console script."""
    install()
    try:
        from headcount.cli.app import main as app_main
    except KeyboardInterrupt:  # while importing, before the app could report it
        sys.stderr.write(word() + "\n")
        sys.exit(exit_code())
    app_main()
