"""verify is deterministic, and `headcount reproduce` proves it on anyone's copy of the data.

Two runs on the same files, with one DuckDB thread and with four, give byte-identical
findings, payees, payment links, existence counts and Parquet, and summary.json and
report.html that differ only in what describes the run (its dataset path, start time and
timings). reproduce re-runs a recorded verification on a copy and finds it identical, and
names the first difference when there is one.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from headcount.pipeline.reproduce import compare, reproduce
from headcount.pipeline.verify import verify
from headcount.provenance.manifest import (
    RUN_SPECIFIC_SUMMARY,
    read_manifest,
    reproducible_sha256,
)
from headcount.synth import SynthResult, generate
from test_cli import headcount

pytestmark = pytest.mark.slow
SAME_BYTES = (
    "findings.csv",
    "findings.parquet",
    "payees.csv",
    "finding_payments.csv",
    "finding_employees.csv",
    "existence.csv",
)


@pytest.fixture(scope="module")
def two_runs(
    synth_dataset: SynthResult, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("twice")
    # The second run reads a copy elsewhere: the dataset's path must not matter either.
    copy = root / "copy"
    shutil.copytree(synth_dataset.out_dir, copy)
    verify(synth_dataset.out_dir, root / "one-thread", threads=1)
    verify(copy, root / "four-threads", threads=4)
    return root / "one-thread", root / "four-threads"


@pytest.mark.parametrize("name", SAME_BYTES)
def test_two_runs_write_byte_identical_outputs(two_runs: tuple[Path, Path], name: str) -> None:
    a, b = two_runs
    assert (a / name).read_bytes() == (b / name).read_bytes()


def test_summaries_differ_only_in_what_describes_the_run(two_runs: tuple[Path, Path]) -> None:
    a, b = (json.loads((r / "summary.json").read_text("utf-8")) for r in two_runs)
    assert a["dataset"] != b["dataset"]
    for key in RUN_SPECIFIC_SUMMARY:
        a.pop(key, None)
        b.pop(key, None)
    assert a == b
    assert a["existence"]["campaigns"]


@pytest.mark.parametrize("name", ["summary.json", "report.html"])
def test_reproducible_digests_agree(two_runs: tuple[Path, Path], name: str) -> None:
    a, b = ((r / name).read_bytes() for r in two_runs)
    assert a != b  # the start time, at least
    assert reproducible_sha256(name, a) == reproducible_sha256(name, b)


def test_the_manifest_records_the_same_results_and_inputs(two_runs: tuple[Path, Path]) -> None:
    (a, _), (b, _) = (read_manifest(r) for r in two_runs)
    assert a["inputs"] == b["inputs"] and a["rules"] == b["rules"]
    assert a["parameters"]["threads"] == 1 and b["parameters"]["threads"] == 4
    for name, entry in a["outputs"].items():
        other = b["outputs"][name]
        assert entry.get("reproducible_sha256", entry["sha256"]) == other.get(
            "reproducible_sha256", other["sha256"]
        ), name


def test_compare_names_the_first_row_and_column_that_differ(
    two_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    recorded, _ = two_runs
    manifest, _ = read_manifest(recorded)
    rerun = tmp_path / "rerun"
    shutil.copytree(recorded, rerun)
    assert compare(manifest, recorded, rerun)[1] is None
    summary = json.loads((rerun / "summary.json").read_text("utf-8"))
    summary["timings_seconds"] = {"total": 0.0}
    summary["rule_timings"] = {"PAID_AFTER_DEATH": {"seconds": 9.9, "findings": 0}}
    (rerun / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert compare(manifest, recorded, rerun)[1] is None  # timings are not results
    summary["findings"]["total"] += 1
    (rerun / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    _, diff = compare(manifest, recorded, rerun)
    assert diff is not None and diff.file == "summary.json"
    total = summary["findings"]["total"]
    assert diff.where == f"differs at findings.total: recorded {total - 1}, now {total}"
    lines = (rerun / "payees.csv").read_text("utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("verified", "flagged", 1)
    assert lines[3] != (recorded / "payees.csv").read_text("utf-8").splitlines(keepends=True)[3]
    (rerun / "payees.csv").write_text("".join(lines), encoding="utf-8")
    _, diff = compare(manifest, recorded, rerun)
    assert diff is not None and str(diff) == "payees.csv: row 3 differs first in column status"


def test_reproduce_a_copy_through_the_cli(
    synth_dataset: SynthResult, two_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    copy = tmp_path / "their-copy"
    shutil.copytree(synth_dataset.out_dir, copy)
    result = headcount("reproduce", str(two_runs[0]), "--data", str(copy), "-q")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("identical: 8 outputs match the recorded results")


def test_reproduce_names_a_changed_input_without_running(
    synth_dataset: SynthResult, two_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    copy = tmp_path / "changed"
    shutil.copytree(synth_dataset.out_dir, copy)
    with (copy / "deaths.csv").open("a", encoding="utf-8") as fh:
        fh.write("123-45-6789,DOE,JANE,,2025-01-01,1950-01-01\n")
    found = reproduce(two_runs[0], copy)
    assert not found.identical and found.compared == []
    assert found.difference is not None and found.difference.file == "deaths.csv"
    assert found.difference.where.startswith("input is ")
    cli = headcount("reproduce", str(two_runs[0]), "--data", str(copy), "-q")
    assert cli.returncode == 1 and "Differs: deaths.csv: input is" in cli.stdout


def test_reproduce_finds_a_changed_recorded_output(tmp_path: Path) -> None:
    made = generate(tmp_path / "agency", 600, seed=11)
    recorded = tmp_path / "recorded"
    verify(made.out_dir, recorded)
    findings = recorded / "findings.csv"
    text = findings.read_text("utf-8")
    findings.write_text(text.replace("high", "low", 1), encoding="utf-8")
    found = reproduce(recorded, made.out_dir)
    assert found.difference is not None and found.difference.file == "findings.csv"
    assert found.difference.where.endswith(
        "; the re-run matches the manifest, so the recorded file was changed"
    )
    assert "column severity" in found.difference.where
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert read_manifest(recorded)[0]["outputs"]["findings.csv"]["sha256"] == digest
