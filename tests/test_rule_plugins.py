"""Rules as plugins: the registry loads rules that installed packages register, and the
worked example in examples/award-limit-rule installs and runs beside headcount unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from builders import Agency
from headcount.rules import ENTRY_POINT_GROUP, RuleRegistryError, all_rules, get_rule
from headcount.rules.registry import _builtin_rules, _plugin_rules, collect
from test_cli import HEADCOUNT

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "award-limit-rule"


def point(value: str, name: str = "example") -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_a_plugin_rule_can_be_a_rule_a_module_or_a_list():
    rule = get_rule("INVALID_SSN")
    by_rule = _plugin_rules([point("headcount.rules.catalog.invalid_ssn:RULE")])
    by_module = _plugin_rules([point("headcount.rules.catalog.invalid_ssn")])
    assert [r.code for r in by_rule] == [r.code for r in by_module] == [rule.code]
    assert by_rule[0].origin == "example"  # no distribution: the entry point's name


def test_a_broken_plugin_is_named_not_a_crash():
    with pytest.raises(RuleRegistryError, match=r"'broken'.*could not be loaded"):
        _plugin_rules([point("no_such_module_anywhere:RULE", name="broken")])
    with pytest.raises(RuleRegistryError, match="names neither a Rule"):
        _plugin_rules([point("headcount.rules.base:money", name="odd")])


def test_a_plugin_cannot_take_a_built_in_code():
    clash = replace(get_rule("INVALID_SSN"), origin="someone-else")
    with pytest.raises(RuleRegistryError, match=r"INVALID_SSN.*headcount and someone-else"):
        collect(_builtin_rules(), [clash])


def test_without_plugins_the_catalogue_is_the_built_in_one():
    assert all(r.origin == "headcount" for r in all_rules())
    assert {r.code for r in all_rules()} == {r.code for r in _builtin_rules()}


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package really installed (built by its own backend) into a folder that
    only the subprocesses below put on their path, so the suite's catalogue stays as is."""
    target = tmp_path_factory.mktemp("plugin-site")
    uv = Path(sys.executable).parent / "uv"
    subprocess.run(
        [str(uv), "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(EXAMPLE)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return target


def run_with(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([HEADCOUNT, *args], capture_output=True, text=True, env=env, timeout=600)


def test_the_example_plugin_is_listed_with_its_package(installed_example):
    result = run_with(installed_example, "rules")
    assert result.returncode == 0, result.stderr
    assert "AWARD_ABOVE_LIMIT" in result.stdout
    assert "headcount-award-limit" in result.stdout


def test_the_example_plugin_finds_what_it_should_and_nothing_else(installed_example, tmp_path):
    agency = Agency(tmp_path / "agency")
    for emp in ("E1", "E2", "E3"):
        agency.employee(emp)
        agency.pay_periods(emp, range(4))
    agency.pay("E1", 2, payment_type="AWARD", gross_pay="12000.00", payment_id="AW1")
    agency.pay("E2", 2, payment_type="AWARD", gross_pay="10000.00", payment_id="AW2")
    agency.pay("E3", 3, payment_type="REGULAR", gross_pay="3900.00")
    agency.write()
    out = tmp_path / "out"
    result = run_with(installed_example, "verify", str(agency.folder), "--out", str(out))
    assert result.returncode == 0, result.stderr
    findings = (out / "findings.csv").read_text(encoding="utf-8")
    flagged = [
        line for line in findings.splitlines() if line.split(",")[1:2] == ["AWARD_ABOVE_LIMIT"]
    ]
    assert len(flagged) == 1
    assert ",E1,AW1," in flagged[0]
    assert "Office of Personnel Management" in flagged[0]
    # The same data without the plugin: no such finding.
    plain = tmp_path / "plain"
    assert run_with(tmp_path, "verify", str(agency.folder), "--out", str(plain)).returncode == 0
    assert "AWARD_ABOVE_LIMIT" not in (plain / "findings.csv").read_text(encoding="utf-8")
