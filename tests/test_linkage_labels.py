"""The review loop's decisions in later runs, explain, and accuracy, through the
library and the real `headcount` console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import Results, linkage_agency
from headcount.linkage.accuracy import wilson
from headcount.linkage.labels import COLUMNS, Label, LabelsError, read_labels, write_labels

HEADCOUNT = str(Path(sys.executable).parent / "headcount")


def headcount(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([HEADCOUNT, *args], capture_output=True, text=True, env=env, timeout=600)


def _labels(path: Path, *rows: tuple[str, str, str]) -> Path:
    write_labels(
        path, [Label.of(a, b, d, "analyst.ada", "2026-12-03T14:00:00Z") for a, b, d in rows]
    )
    return path


def test_later_runs_honour_must_link_and_cannot_link(agency, tmp_path):
    data = linkage_agency(agency)
    out = tmp_path / "plain"
    assert headcount("verify", str(data), "--out", str(out), "-q").returncode == 0
    assert [f["employee_ids"] for f in Results(out).of("DUPLICATE_PERSON")] == ["E1;E2"]

    labels = _labels(tmp_path / "labels.csv", ("E2", "E1", "non_match"), ("T1", "T2", "match"),
                     ("N1", "N2", "match"), ("S1", "S2", "unsure"))  # fmt: skip
    out = tmp_path / "labelled"
    result = headcount("verify", str(data), "--out", str(out), "--labels", str(labels), "-q")
    assert result.returncode == 0, result.stderr
    found = {f["employee_ids"]: f for f in Results(out).of("DUPLICATE_PERSON")}
    assert set(found) == {"T1;T2", "N1;N2"}  # E1;E2 never again; the labelled pairs always
    for f in found.values():
        [pair] = f["evidence"]["linked_pairs"]
        assert pair["decided_by"] == "analyst.ada"
        assert [c["comparison"] for c in pair["comparisons"]][:3] == [
            "given_name", "middle_name", "surname"
        ]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["linkage_labels"] == str(labels.resolve())


def test_reproduce_reruns_with_the_labels_the_run_used(agency, tmp_path):
    data = linkage_agency(agency)
    labels = _labels(tmp_path / "labels.csv", ("E2", "E1", "non_match"), ("N1", "N2", "match"))
    out = tmp_path / "labelled"
    assert (
        headcount("verify", str(data), "--out", str(out), "--labels", str(labels), "-q").returncode
        == 0
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["parameters"]["linkage_labels_sha256"]) == 64
    # Read from the recorded path: without the labels the findings would differ.
    same = headcount("reproduce", str(out), "--data", str(data), "-q")
    assert same.returncode == 0 and "identical" in same.stdout, same.stdout + same.stderr
    # Moved: refused until given again, then identical.
    moved = labels.rename(tmp_path / "moved.csv")
    gone = headcount("reproduce", str(out), "--data", str(data), "-q")
    assert gone.returncode == 1 and "give --labels" in gone.stdout, gone.stdout
    again = headcount("reproduce", str(out), "--data", str(data), "--labels", str(moved), "-q")
    assert again.returncode == 0 and "identical" in again.stdout, again.stdout + again.stderr
    # Another label set: named, and nothing is run.
    other = _labels(tmp_path / "other.csv", ("E2", "E1", "match"))
    changed = headcount("reproduce", str(out), "--data", str(data), "--labels", str(other), "-q")
    assert changed.returncode == 1
    assert "other.csv: not the --labels file the run used" in changed.stdout, changed.stdout


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("employee_id_a,employee_id_b\nE1,E2\n", "row 1: missing column(s) decision"),
        (",".join(COLUMNS) + "\nE1,E2,maybe,ada,2026-01-01,review\n",
         "row 2, column decision: 'maybe' is not one of match, non_match, unsure"),
        (",".join(COLUMNS) + "\nE1,E1,match,ada,2026-01-01,review\n",
         "row 2, column employee_id_b: the same id as employee_id_a"),
        (",".join(COLUMNS) + "\nE1,E2,match,ada,2026-01-01,review\nE3,E4,match,,x,review\n",
         "row 3, column analyst: empty"),
    ],
)  # fmt: skip
def test_a_bad_labels_file_stops_verify_naming_row_and_column(agency, tmp_path, text, problem):
    data = linkage_agency(agency)
    labels = tmp_path / "labels.csv"
    labels.write_text(text, encoding="utf-8")
    with pytest.raises(LabelsError, match="row"):
        read_labels(labels)
    out = tmp_path / "out"
    result = headcount("verify", str(data), "--out", str(out), "--labels", str(labels), "-q")
    assert result.returncode == 2
    assert problem in result.stderr and str(labels) in result.stderr
    assert "Nothing was written" in result.stderr and not out.exists()


def test_explain_shows_the_waterfall_and_the_rule_that_decides(agency, tmp_path):
    data = linkage_agency(agency)
    shown = headcount("linkage", "explain", str(data), "E1", "E2")
    assert shown.returncode == 0, shown.stderr
    assert "Reported as one person" in shown.stdout and "nickname" in shown.stdout
    assert "prior" in shown.stdout and "running total" in shown.stdout
    assert "1971" not in shown.stdout and "Juniper" not in shown.stdout  # never shown

    twins = headcount("linkage", "explain", str(data), "T1", "T2")
    assert "Not reported" in twins.stdout and "The twins rule holds" in twins.stdout
    apart = headcount("linkage", "explain", str(data), "N2", "N1")
    assert "Not reported" in apart.stdout and "namesakes rule holds" in apart.stdout
    labels = _labels(tmp_path / "l.csv", ("N1", "N2", "match"))
    kept = headcount("linkage", "explain", str(data), "N1", "N2", "--labels", str(labels))
    assert "Reported as one person" in kept.stdout and "analyst.ada labelled" in kept.stdout

    missing = headcount("linkage", "explain", str(data), "E1", "NOPE")
    assert missing.returncode == 2 and "employee id NOPE is not on the roster" in missing.stderr


def test_accuracy_counts_the_models_calls_against_the_labels(agency, tmp_path):
    data = linkage_agency(agency)
    labels = _labels(tmp_path / "labels.csv", ("E1", "E2", "match"), ("T1", "T2", "non_match"),
                     ("N1", "N2", "match"), ("S1", "S3", "unsure"))  # fmt: skip
    result = headcount("linkage", "accuracy", str(data), "--labels", str(labels))
    assert result.returncode == 0, result.stderr
    # E1-E2 reported (true positive); N1-N2 parted by the namesakes rule (a miss); the
    # twins, labelled two people, not reported.
    assert "Precision: 100.0% (95% interval 20.7%-100.0%)" in result.stdout
    assert "Recall: 50.0% (95% interval 9.5%-90.5%)" in result.stdout
    assert "1 labelled unsure" in result.stdout


def test_fit_refuses_a_roster_too_small_to_learn_from(agency, tmp_path):
    data = linkage_agency(agency)
    result = headcount("linkage", "fit", str(data), "--model", str(tmp_path / "m.json"))
    assert result.returncode == 2 and "at least 1,000" in result.stderr
    assert not (tmp_path / "m.json").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    out = tmp_path / "out"
    result = headcount("verify", str(data), "--out", str(out), "--model", str(bad), "-q")
    assert result.returncode == 2 and "not a headcount linkage model" in result.stderr
    assert not out.exists()


@given(st.integers(0, 500), st.integers(0, 500), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_intervals_hold_the_estimate_inside_zero_and_one(successes, more, confidence):
    trials = successes + more
    found = wilson(successes, trials, confidence)
    assert 0.0 <= found.low <= found.high <= 1.0
    if trials:
        assert found.low <= successes / trials <= found.high
    else:
        assert found.estimate is None
