"""`headcount verify --profile` through the real console script: the slowest DuckDB queries
on stderr with their rule or stage and plan, every query in profile.json, rows scanned per
rule in summary.json; the results themselves unchanged and still reproducible."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEADCOUNT = str(Path(sys.executable).parent / "headcount")
SAME_BYTES = ("findings.csv", "payees.csv", "finding_payments.csv", "existence.csv")


def headcount(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1"}
    return subprocess.run(
        [HEADCOUNT, *map(str, args)], capture_output=True, text=True, env=env, timeout=600
    )


@pytest.fixture(scope="module")
def agency(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("profile") / "agency"
    made = headcount("synth", folder, "--employees", "500", "--seed", "4", "-q")
    assert made.returncode == 0, made.stderr
    return folder


@pytest.fixture(scope="module")
def profiled(agency: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("profiled") / "out"
    done = headcount("verify", agency, "--out", out, "--profile", "--quiet")
    assert done.returncode == 0, done.stderr
    return out, done.stderr


def test_the_slowest_queries_are_printed_with_their_rule_and_plan(
    profiled: tuple[Path, str],
) -> None:
    out, stderr = profiled
    assert "Slowest DuckDB queries" in stderr
    assert str(out / "profile.json") in " ".join(stderr.split())
    assert "rule " in stderr and "TABLE_SCAN" in stderr  # a label and a plan's operators
    profile = json.loads((out / "profile.json").read_text(encoding="utf-8"))
    queries = profile["queries"]
    seconds = [q["seconds"] for q in queries]
    assert seconds == sorted(seconds, reverse=True)
    # The printed ranking is the file's: its first query's label is in the first row.
    first = next(line for line in stderr.splitlines() if line.strip().startswith("│  1"))
    assert queries[0]["label"].split()[-1][:10] in first
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    labels = {q["label"] for q in queries}
    for code in summary["rules"]["ran"]:
        assert f"rule {code}" in labels, code
        timing = summary["rule_timings"][code]
        assert timing["rows_scanned"] == profile["by_label"][f"rule {code}"]["rows_scanned"]
    assert {"prepare", "payees", "existence"} <= labels
    assert all(q["plan"] for q in queries)
    assert summary["stage_rows"]["rules"] == sum(
        r["findings"] for r in summary["findings"]["by_rule"].values()
    )


def test_profiling_changes_no_result_and_the_run_still_reproduces(
    agency: Path, profiled: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = profiled
    plain = tmp_path / "plain"
    assert headcount("verify", agency, "--out", plain, "--quiet").returncode == 0
    assert not (plain / "profile.json").exists()
    for name in SAME_BYTES:
        assert (out / name).read_bytes() == (plain / name).read_bytes(), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "profile.json" in manifest["outputs"]  # listed honestly, with its digest
    assert "profile.json" in manifest["reproducible"]
    attested = headcount("attest", out)
    assert attested.returncode == 0, attested.stdout + attested.stderr
    again = headcount("reproduce", out, "--data", agency, "--quiet")
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (("--engine", "spark"), "works with the DuckDB engine only"),
        (("--state", "STATE"), "not with --state"),
    ],
)
def test_profile_is_refused_where_it_cannot_be_given(
    agency: Path, tmp_path: Path, extra: tuple[str, str], said: str
) -> None:
    args = [a.replace("STATE", str(tmp_path / "state")) for a in extra]
    done = headcount("verify", agency, "--out", tmp_path / "out", "--profile", *args)
    assert done.returncode == 2
    assert said in " ".join(done.stderr.split())
    assert not (tmp_path / "out").exists()
