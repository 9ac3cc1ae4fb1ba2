"""The CLI through its real console script, as a person runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEADCOUNT = str(Path(sys.executable).parent / "headcount")
COMMANDS = ("verify", "synth", "demo", "rules")


def headcount(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    return subprocess.run(
        [HEADCOUNT, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


def test_help_lists_every_command_and_the_exit_codes():
    result = headcount("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
    assert "Exit codes" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = headcount(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_version():
    result = headcount("--version")
    assert result.returncode == 0 and result.stdout.startswith("headcount ")


def test_synth_then_verify(tmp_path):
    made = headcount("synth", str(tmp_path / "a"), "--employees", "600", "--seed", "3", "-q")
    assert made.returncode == 0, made.stderr
    assert "600 employees" in made.stdout
    result = headcount("verify", str(tmp_path / "a"), "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    assert "Findings by rule" in result.stdout
    assert "PAID_AFTER_DEATH" in result.stdout
    assert str(tmp_path / "r" / "report.html") in result.stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["engine"] == "duckdb"
    assert summary["inputs"]["roster"]["rows"] == 600


def test_demo_on_a_small_size(tmp_path):
    result = headcount("demo", "--employees", "500", "--dir", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo" / "results" / "report.html").is_file()
    assert "verified" in result.stdout


def test_rerun_replaces_a_previous_results_folder(tmp_path):
    headcount("synth", str(tmp_path / "a"), "--employees", "500", "-q")
    for _ in range(2):
        result = headcount("verify", str(tmp_path / "a"), "--out", str(tmp_path / "r"), "-q")
        assert result.returncode == 0, result.stderr
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_refuses_to_overwrite_a_folder_that_is_not_results(tmp_path):
    headcount("synth", str(tmp_path / "a"), "--employees", "500", "-q")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = headcount("verify", str(tmp_path / "a"), "--out", str(precious))
    assert result.returncode == 2
    assert "not a headcount results folder" in result.stderr
    assert (precious / "notes.txt").read_text() == "keep me"


def test_missing_dataset_folder_is_exit_2(tmp_path):
    result = headcount("verify", str(tmp_path / "nope"), "--out", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "no such dataset folder" in result.stderr
    assert not (tmp_path / "r").exists()


def test_bad_option_is_exit_2():
    result = headcount("synth", "x", "--employees", "ten")
    assert result.returncode == 2


def test_rules_markdown_is_the_reference():
    result = headcount("rules", "--markdown")
    assert result.returncode == 0
    assert result.stdout.startswith("# Rules reference")
