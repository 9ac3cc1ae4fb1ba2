"""OUT is a folder of its own: never the dataset, inside it, holding it, or the --state
folder; a folder is replaced only when it holds nothing but what headcount wrote there;
what a killed run leaves beside OUT or in the temporary directory is cleared next time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from builders import Agency
from headcount import scratch
from headcount.pipeline.verify import verify
from headcount.report.outputs import (
    RESULTS,
    OutputError,
    atomic_directory,
    check_output_folder,
)
from headcount.synth import generate
from test_cli import headcount

# What every results folder holds (existence.csv and manifest.sig come only with their
# inputs: a check-in campaign, a signing key).
ALWAYS = {
    "findings.csv", "findings.parquet", "payees.csv", "finding_payments.csv",
    "finding_employees.csv", "summary.json", "report.html", "manifest.json",
}  # fmt: skip


def complete(names: Iterable[str]) -> bool:
    """`names` are those of a complete results folder."""
    return ALWAYS <= set(names) <= RESULTS.files


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative path -> bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def dataset(agency: Agency) -> Path:
    for i in range(3):
        agency.employee(f"E{i}")
        agency.pay_periods(f"E{i}", range(0, 2))
    return agency.write()


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_out_equal_to_the_dataset_is_refused_and_nothing_is_touched(dataset, tmp_path):
    """The reported case: results files copied into the dataset made it look replaceable."""
    verify(dataset, tmp_path / "r")
    for name in ("summary.json", "findings.csv"):
        (dataset / name).write_bytes((tmp_path / "r" / name).read_bytes())
    (dataset / "NOTES.txt").write_text("the auditor's notes\n")
    before = snapshot(dataset)
    result = headcount("verify", str(dataset), "--out", str(dataset), "-q")
    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert "is the dataset folder" in message
    assert "Traceback" not in result.stderr
    assert snapshot(dataset) == before


@pytest.mark.parametrize(
    ("out", "where"),
    [
        ("{ds}", "is the dataset folder"),
        ("{ds}/results", "is inside the dataset folder"),
        ("{ds}/a/b/results", "is inside the dataset folder"),
        ("{ds}/../agency", "is the dataset folder"),
        ("{tmp}", "holds the dataset folder"),
        ("{tmp}/link", "is the dataset folder"),  # a symlink to the dataset
        ("{tmp}/link/results", "is inside the dataset folder"),
    ],
)
def test_out_overlapping_the_dataset_is_refused(dataset, tmp_path, out, where):
    (tmp_path / "link").symlink_to(dataset, target_is_directory=True)
    before = snapshot(tmp_path)
    target = Path(out.format(ds=dataset, tmp=tmp_path))
    with pytest.raises(OutputError, match=where):
        verify(dataset, target)
    assert snapshot(tmp_path) == before


def test_dataset_reached_through_a_symlink_is_still_the_dataset(dataset, tmp_path):
    (tmp_path / "link").symlink_to(dataset, target_is_directory=True)
    with pytest.raises(OutputError, match="is the dataset folder"):
        verify(tmp_path / "link", dataset)


@pytest.mark.parametrize(
    ("out", "state", "where"),
    [
        ("st", "st", "is the --state folder"),
        ("st/results", "st", "is inside the --state folder"),
        ("r", "r/state", "holds the --state folder"),
    ],
)
def test_out_overlapping_the_state_folder_is_refused(dataset, tmp_path, out, state, where):
    (tmp_path / "st").mkdir()
    (tmp_path / "st" / "lock").write_text("")
    with pytest.raises(OutputError, match=where):
        verify(dataset, tmp_path / out, state=tmp_path / state)
    assert not (tmp_path / "st" / "results").exists()
    assert not (tmp_path / "r").exists()


def test_a_results_folder_with_other_files_is_not_replaced(dataset, tmp_path):
    out = tmp_path / "r"
    verify(dataset, out)
    (out / "NOTES.txt").write_text("mine")
    before = snapshot(out)
    with pytest.raises(OutputError, match=r"not a headcount results folder \(it holds NOTES.txt\)"):
        verify(dataset, out)
    assert snapshot(out) == before


def test_a_previous_results_folder_is_replaced(dataset, tmp_path):
    out = tmp_path / "r"
    verify(dataset, out)
    first = out.stat().st_ino
    verify(dataset, out)
    assert out.stat().st_ino != first  # a new folder, renamed into place
    assert complete(p.name for p in out.iterdir())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_out_that_is_a_file_is_refused(dataset, tmp_path):
    (tmp_path / "r").write_text("not a folder")
    with pytest.raises(OutputError, match="is not a folder"):
        verify(dataset, tmp_path / "r")


def test_synth_refuses_an_agencys_dataset_folder(dataset):
    before = snapshot(dataset)
    with pytest.raises(OutputError, match="not a synthetic dataset"):
        generate(dataset, 500, seed=1)
    assert snapshot(dataset) == before


def test_synth_replaces_its_own_earlier_output_whole(tmp_path):
    out = tmp_path / "a"
    generate(out, 500, seed=1, deaths_format="dmf")
    made = generate(out, 500, seed=2)
    assert made.out_dir == out and made.truth_path == out / "truth.json"
    assert not (out / "deaths.dmf").exists()  # nothing of the first run is left in it
    assert (out / "deaths.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failed_write_leaves_out_as_it_was(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    before = snapshot(out)
    with pytest.raises(KeyboardInterrupt), atomic_directory(out) as tmp:
        (tmp / "summary.json").write_text('{"new": true}')
        raise KeyboardInterrupt
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def owned(parent: Path, prefix: str, pid: int) -> Path:
    path = parent / f"{prefix}{scratch.owner_tag(pid)}-abcd1234"
    path.mkdir()
    (path / "findings.csv").write_text("half")
    return path


def test_a_dead_runs_partial_folder_is_removed_and_a_live_ones_kept(tmp_path, dead_pid):
    out = tmp_path / "r"
    stale = owned(tmp_path, ".r.partial-", dead_pid)
    live = owned(tmp_path, ".r.partial-", os.getppid())
    other_host = tmp_path / f".r.partial-00000000-{dead_pid}-abcd1234"
    older_naming = tmp_path / ".r.partial-x1y2z3w4"
    other_host.mkdir()
    older_naming.mkdir()
    check_output_folder(out)
    assert not stale.exists()
    assert live.exists() and other_host.exists() and older_naming.exists()


def test_killed_between_the_renames_the_previous_out_comes_back(tmp_path, dead_pid):
    out = tmp_path / "r"
    old = owned(tmp_path, ".r.old-", dead_pid)
    (old / "summary.json").write_text("{}")
    new = owned(tmp_path, ".r.partial-", dead_pid)
    check_output_folder(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    assert (out / "findings.csv").read_text() == "half"  # the previous OUT, as it was
    assert not new.exists()


def test_killed_after_the_renames_the_previous_out_is_removed(tmp_path, dead_pid):
    out = tmp_path / "r"
    out.mkdir()
    (out / "summary.json").write_text('{"new": true}')
    owned(tmp_path, ".r.old-", dead_pid)
    check_output_folder(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    assert (out / "summary.json").read_text() == '{"new": true}'


def test_a_dead_runs_spill_folder_is_removed(tmp_path, dead_pid, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = owned(tmp_path, scratch.SPILL_PREFIX, dead_pid)
    live = owned(tmp_path, scratch.SPILL_PREFIX, os.getppid())
    with scratch.spill_dir() as spill:
        assert spill.parent == tmp_path and spill.name.startswith(scratch.SPILL_PREFIX)
        assert not stale.exists() and live.exists()
    assert not spill.exists()


def test_signals_wait_while_out_is_swapped():
    reached = []
    # Python's own Ctrl-C handler, whatever an earlier test in this worker installed (the
    # CLI's records the signal instead of raising).
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), scratch.signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            reached.append("after the signal")
    finally:
        signal.signal(signal.SIGINT, before)
    assert reached == ["after the signal"]
