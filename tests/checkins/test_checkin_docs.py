"""Every `headcount campaign` subcommand and option is documented in docs/cli.md (the main
docs test walks top-level commands only)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from headcount.cli.campaign_cmds import campaign_app

ROOT = Path(__file__).resolve().parents[2]
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
GROUP = typer.main.get_command(campaign_app)
SUBCOMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_campaign_command_and_option_is_documented(name: str) -> None:
    assert f"## `headcount campaign {name}" in CLI_DOC
    for param in GROUP.commands[name].params:  # type: ignore[attr-defined]
        if param.param_type_name == "option" and param.name != "help":
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in CLI_DOC, f"document {opt} of `headcount campaign {name}`"


def test_the_check_in_guide_and_readme_link() -> None:
    assert (ROOT / "docs" / "checkins.md").is_file()
    assert "docs/checkins.md" in (ROOT / "README.md").read_text(encoding="utf-8")
