"""Documentation cannot drift: every CLI command and option is documented, and the rules
reference is exactly what the rule definitions generate (as datasette's test_docs does)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from headcount.cli.app import app
from headcount.rules import all_rules
from headcount.rules.docs import rules_markdown

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
COMMAND = typer.main.get_command(app)
COMMANDS = sorted(COMMAND.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented(name):
    assert f"## `headcount {name}" in CLI_DOC, f"document `headcount {name}` in docs/cli.md"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_is_documented(name):
    command = COMMAND.commands[name]  # type: ignore[attr-defined]
    for param in command.params:
        if param.param_type_name == "option" and param.name != "help":
            longest = max(param.opts, key=len)
            assert longest in CLI_DOC, f"document {longest} of `headcount {name}` in docs/cli.md"


def test_rules_reference_is_generated_from_the_rules():
    written = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert written == rules_markdown(), "run `make docs` to regenerate docs/rules.md"


def test_every_rule_is_in_the_reference():
    written = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert f"## {rule.code}" in written


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
