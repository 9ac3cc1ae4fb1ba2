"""`verify --state`: a new pay period re-verified incrementally gives a full run's results.

A synthetic agency's payroll is split into its first 25 pay periods and the last one. The
state is built on the 25 periods; each scenario copies it, changes the files (appends the
last period, edits a roster row, ...) and compares `verify --state` with a fresh full run
on the same files: every output file, and summary.json but for timings and the state's
own block.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from headcount.engine.dialect import Dialect
from headcount.ingest import DatasetError
from headcount.pipeline.stateful.state import DATABASE, locked
from headcount.pipeline.verify import verify
from headcount.provenance.manifest import expected_digest, read_manifest
from headcount.rules import all_rules
from headcount.synth import SynthResult

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))
SAME_BYTES = ("findings.csv", "payees.csv", "finding_payments.csv", "existence.csv")
NOT_COMPARED = ("started_at", "timings_seconds", "rule_timings", "stage_rows", "incremental")


@dataclass(frozen=True)
class Split:
    """The agency with its payroll cut before the last pay period, and its state."""

    folder: Path  # the agency, payroll holding the first periods only
    state: Path  # a state built on `folder`
    tail: bytes  # the last period's rows, as they follow in payroll.csv
    head_rows: int  # payroll rows before the tail
    reference: Path  # a plain full run on the whole agency


def _records(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _set_gross(lines: list[bytes], start: int, change: Callable[[bytes], bytes]) -> int:
    """Change gross_pay in the first record from `start` whose quoted texts hold no comma
    (so that splitting at commas finds the fields); return its index."""
    i = next(i for i in range(start, len(lines)) if lines[i].count(b",") == 17)
    fields = lines[i].split(b",")
    fields[7] = change(fields[7])
    lines[i] = b",".join(fields)
    return i


@pytest.fixture(scope="module")
def split(synth_dataset: SynthResult, tmp_path_factory: pytest.TempPathFactory) -> Split:
    root = tmp_path_factory.mktemp("incremental")
    whole = root / "whole"
    shutil.copytree(synth_dataset.out_dir, whole)
    data = (whole / "payroll.csv").read_bytes()
    lines = _records(data)
    last = max(line.split(b",")[1] for line in lines[1:] if line)
    cut = next(i for i, line in enumerate(lines) if i and line.split(b",")[1] == last)
    head = b"\n".join(lines[:cut]) + b"\n"
    folder = root / "head"
    shutil.copytree(whole, folder)
    (folder / "payroll.csv").write_bytes(head)
    state = root / "state"
    first = verify(folder, root / "first", state=state)
    assert first.summary["incremental"]["mode"] == "full"
    reference = root / "reference"
    verify(whole, reference)
    return Split(folder, state, data[len(head) :], cut - 1, reference)


@pytest.fixture
def copy(split: Split, tmp_path: Path) -> Callable[[], tuple[Path, Path]]:
    """A private copy of the 25-period agency and of its state."""

    def make() -> tuple[Path, Path]:
        folder, state = tmp_path / "agency", tmp_path / "state"
        shutil.copytree(split.folder, folder)
        shutil.copytree(split.state, state)
        return folder, state

    return make


def _summary(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return data


def assert_same_results(got: Path, expected: Path) -> None:
    for name in SAME_BYTES:
        assert (got / name).read_bytes() == (expected / name).read_bytes(), name
    assert pq.read_table(got / "findings.parquet").equals(
        pq.read_table(expected / "findings.parquet")
    )
    a, b = _summary(got), _summary(expected)
    for key in NOT_COMPARED:
        a.pop(key, None)
        b.pop(key, None)
    a.pop("dataset")
    b.pop("dataset")
    assert a == b
    # The manifest records the same inputs, rules and (run details aside) outputs.
    (got_m, _), (expected_m, _) = read_manifest(got), read_manifest(expected)
    for section in ("inputs", "rules", "headcount"):
        assert got_m[section] == expected_m[section], section
    assert {n: expected_digest(n, e) for n, e in got_m["outputs"].items()} == {
        n: expected_digest(n, e) for n, e in expected_m["outputs"].items()
    }


def _fresh(folder: Path, out: Path) -> Path:
    verify(folder, out)
    return out


def _append(folder: Path, data: bytes) -> None:
    with (folder / "payroll.csv").open("ab") as fh:
        fh.write(data)


def _edit_csv(path: Path, edit: Callable[[list[dict[str, str]]], None]) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    edit(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_synth_payroll_is_in_pay_period_order(synth_dataset: SynthResult) -> None:
    """So that one more pay period is an append to the file."""
    with (synth_dataset.out_dir / "payroll.csv").open(newline="", encoding="utf-8") as fh:
        ends = [row["pay_period_end"] for row in csv.DictReader(fh)]
    assert ends == sorted(ends)
    assert len(set(ends)) == 26


def test_appended_period_is_verified_incrementally_as_a_full_run_would(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()
    _append(folder, split.tail)
    result = verify(folder, tmp_path / "out", state=state)
    block = result.summary["incremental"]
    assert block["mode"] == "incremental"
    assert block["rows_appended"] == split.tail.count(b"\n")
    # Rules over the roster, deaths and check-ins keep their findings, identity
    # resolution included; payroll rules were recomputed for some keys only.
    assert {"DUPLICATE_PERSON", "DUPLICATE_SSN", "INVALID_SSN"} <= set(block["rules_reused"])
    assert block["rules_rerun"]["PAID_AFTER_DEATH"].endswith("keys")
    assert_same_results(tmp_path / "out", split.reference)

    again = verify(folder, tmp_path / "again", state=state)
    assert again.summary["incremental"]["mode"] == "unchanged"
    assert again.summary["incremental"]["rules_rerun"] == {}
    assert_same_results(tmp_path / "again", split.reference)


def test_bad_cells_in_the_new_rows_are_named_by_their_row_in_the_file(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()
    rows = _records(split.tail)
    bad = _set_gross(rows, 2, lambda _: b"12.3.4")
    _append(folder, b"\n".join(rows))
    result = verify(folder, tmp_path / "out", state=state)
    assert result.summary["incremental"]["mode"] == "incremental"
    quality = [
        f.evidence
        for f in result.findings
        if f.rule == "DATA_QUALITY" and f.evidence["row"] > split.head_rows
    ]
    assert [(q["file"], q["row"], q["column"]) for q in quality] == [
        ("payroll.csv", split.head_rows + bad + 1, "gross_pay")
    ]
    assert_same_results(tmp_path / "out", _fresh(folder, tmp_path / "fresh"))


def test_strict_stops_at_a_bad_cell_in_the_new_rows(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, _ = copy()
    state = tmp_path / "strict-state"
    verify(folder, tmp_path / "first", state=state, strict=True)
    before = (state / DATABASE).read_bytes()
    rows = _records(split.tail)
    bad = _set_gross(rows, 4, lambda _: b"-5.00")
    _append(folder, b"\n".join(rows))
    with pytest.raises(DatasetError) as caught:
        verify(folder, tmp_path / "out", state=state, strict=True)
    error = caught.value
    assert (error.file, error.row, error.column) == (
        "payroll.csv",
        split.head_rows + bad + 1,
        "gross_pay",
    )
    assert "negative" in error.problem
    assert (state / DATABASE).read_bytes() == before
    assert not (tmp_path / "out").exists()


def test_a_changed_roster_row_means_a_full_run(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()

    def separate_early(rows: list[dict[str, str]]) -> None:
        rows[10]["separation_date"] = "2025-03-01"

    _edit_csv(folder / "roster.csv", separate_early)
    _append(folder, split.tail)
    result = verify(folder, tmp_path / "out", state=state)
    assert result.summary["incremental"]["mode"] == "full"
    assert "roster.csv changed" in result.summary["incremental"]["reason"]
    assert_same_results(tmp_path / "out", _fresh(folder, tmp_path / "fresh"))


def test_a_changed_death_record_means_a_full_run(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()

    def earlier_death(rows: list[dict[str, str]]) -> None:
        rows[0]["date_of_death"] = "2025-02-01"

    _edit_csv(folder / "deaths.csv", earlier_death)
    result = verify(folder, tmp_path / "out", state=state)
    assert result.summary["incremental"]["mode"] == "full"
    assert "deaths.csv changed" in result.summary["incremental"]["reason"]
    assert_same_results(tmp_path / "out", _fresh(folder, tmp_path / "fresh"))


def test_an_edit_before_the_end_falls_back_to_a_full_run(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()
    path = folder / "payroll.csv"
    lines = _records(path.read_bytes())
    # The same length, so only the content tells the file changed.
    _set_gross(lines, 5, lambda g: g[:-1] + (b"7" if g[-1:] != b"7" else b"8"))
    path.write_bytes(b"\n".join(lines))
    _append(folder, split.tail)
    result = verify(folder, tmp_path / "out", state=state)
    assert result.summary["incremental"]["mode"] == "full"
    assert "not only by appended rows" in result.summary["incremental"]["reason"]
    assert_same_results(tmp_path / "out", _fresh(folder, tmp_path / "fresh"))


def test_a_period_in_a_new_year_means_a_full_run(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    """The pay caps cover the payroll's years; a new year changes them for everyone."""
    folder, state = copy()
    last = _records(split.tail)[0].split(b",")[1]
    moved = [
        b'"Q' + line[2:] if line.startswith(b'"P') else line
        for line in _records(split.tail.replace(last, b"2026-01-10"))
    ]
    _append(folder, b"\n".join(moved))
    result = verify(folder, tmp_path / "out", state=state)
    assert result.summary["incremental"]["mode"] == "full"
    assert "pay caps" in result.summary["incremental"]["reason"]
    assert_same_results(tmp_path / "out", _fresh(folder, tmp_path / "fresh"))


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HEADCOUNT, *map(str, args)], capture_output=True, text=True, timeout=600, check=False
    )


def test_a_bad_appended_row_stops_the_run_and_leaves_the_state_as_it_was(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()
    before = (state / DATABASE).read_bytes()
    first_id = _records((folder / "payroll.csv").read_bytes())[1].split(b",")[0]
    repeated = b",".join([first_id, *_records(split.tail)[0].split(b",")[1:]])
    good = folder / "payroll.csv.good"
    shutil.copy(folder / "payroll.csv", good)
    _append(folder, split.tail + repeated + b"\n")

    done = _cli("verify", folder, "--out", tmp_path / "out", "--state", state, "--quiet")
    assert done.returncode == 2, done.stderr
    bad_row = split.head_rows + split.tail.count(b"\n") + 1
    message = " ".join(done.stderr.split())
    assert f"payroll.csv, row {bad_row}, column payment_id:" in message
    assert "appears again (first at row 1)" in message
    assert not (tmp_path / "out").exists()
    assert (state / DATABASE).read_bytes() == before

    # With the bad row gone, the next run appends the period as if nothing had happened.
    shutil.move(good, folder / "payroll.csv")
    _append(folder, split.tail)
    done = _cli("verify", folder, "--out", tmp_path / "out", "--state", state, "--quiet")
    assert done.returncode == 0, done.stderr
    assert _summary(tmp_path / "out")["incremental"]["mode"] == "incremental"
    assert_same_results(tmp_path / "out", split.reference)


def test_a_failed_full_run_keeps_the_previous_state(
    copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()
    before = (state / DATABASE).read_bytes()
    roster = folder / "roster.csv"
    roster.write_text(roster.read_text(encoding="utf-8").replace("employee_id", "emp", 1))
    done = _cli("verify", folder, "--out", tmp_path / "out", "--state", state, "--quiet")
    assert done.returncode == 2
    assert "roster.csv, column employee_id" in " ".join(done.stderr.split())
    assert (state / DATABASE).read_bytes() == before
    assert sorted(p.name for p in state.iterdir()) == sorted([DATABASE, "lock"])


def test_a_state_in_use_is_refused_with_a_clear_message(
    copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()
    with locked(state):
        done = _cli("verify", folder, "--out", tmp_path / "out", "--state", state, "--quiet")
    assert done.returncode == 2
    assert "is in use by another headcount verify run" in " ".join(done.stderr.split())
    assert not (tmp_path / "out").exists()


def test_the_state_is_refused_inside_the_results_folder(
    copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, _ = copy()
    out = tmp_path / "out"
    done = _cli("verify", folder, "--out", out, "--state", out / "state", "--quiet")
    assert done.returncode == 2
    assert "must be a folder of its own" in " ".join(done.stderr.split())


def test_spark_refuses_state(tmp_path: Path, split: Split) -> None:
    done = _cli(
        "verify",
        split.folder,
        "--out",
        tmp_path / "out",
        "--engine",
        "spark",
        "--state",
        tmp_path / "state",
    )
    assert done.returncode == 2
    assert "--state works with the DuckDB engine only" in " ".join(done.stderr.split())


def test_rules_kept_across_an_append_do_not_read_the_payroll() -> None:
    for rule in all_rules():
        scope = rule.scope
        if (
            scope is not None
            and scope.key is None
            and scope.touched == "FALSE"
            and not (scope.new_combinations)
        ):
            sql = rule.query(Dialect()).lower()
            assert "payroll" not in sql and "data_quality" not in sql, rule.code


def test_every_rule_is_in_the_monitoring_docs() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "monitoring.md").read_text()
    for rule in all_rules():
        assert f"`{rule.code}`" in text, f"say in docs/monitoring.md how {rule.code} is scoped"
