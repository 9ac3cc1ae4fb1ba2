"""Every `headcount users` and `headcount audit` subcommand and option is in docs/cli.md
(tests/test_docs.py walks top-level commands only)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from headcount.cli.audit_cmds import audit_app
from headcount.cli.users_cmds import users_app

CLI_DOC = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
GROUPS = {"users": typer.main.get_command(users_app), "audit": typer.main.get_command(audit_app)}
COMMANDS = [(g, name) for g, group in GROUPS.items() for name in sorted(group.commands)]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("group", "name"), COMMANDS)
def test_every_subcommand_and_option_is_documented(group: str, name: str) -> None:
    assert f"## `headcount {group} {name}" in CLI_DOC
    command = GROUPS[group].commands[name]  # type: ignore[attr-defined]
    for param in command.params:
        if param.param_type_name == "option" and param.name != "help":
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in CLI_DOC, f"document {opt} of `headcount {group} {name}`"
