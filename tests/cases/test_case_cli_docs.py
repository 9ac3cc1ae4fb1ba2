"""Every `headcount cases` and `headcount debts` subcommand and option is in docs/cli.md
(tests/test_docs.py walks top-level commands only)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from headcount.cli.cases_cmds import cases_app
from headcount.cli.debts_cmds import debts_app

CLI_DOC = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
GROUPS = {"cases": typer.main.get_command(cases_app), "debts": typer.main.get_command(debts_app)}
COMMANDS = [(g, name) for g, group in GROUPS.items() for name in sorted(group.commands)]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("group", "name"), COMMANDS)
def test_every_subcommand_and_option_is_documented(group: str, name: str) -> None:
    assert f"`{group} {name}" in CLI_DOC or f"## `headcount {group} {name}" in CLI_DOC
    command = GROUPS[group].commands[name]  # type: ignore[attr-defined]
    for param in command.params:
        if param.param_type_name == "option" and param.name != "help":
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in CLI_DOC, f"document {opt} of `headcount {group} {name}`"
