"""Ctrl-C, SIGTERM and SIGKILL sent to a real `headcount verify` process midway.

Each run gets its own temporary directory (TMPDIR), so the test sees exactly the spill
folders its runs make. The signal is sent when a folder shows the run is at the stage
under test; the tests poll for it with no time limit but the run's own end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from headcount.pipeline.verify import verify
from headcount.report.outputs import RESULTS
from headcount.scratch import SPILL_PREFIX
from headcount.synth import SynthResult, generate
from headcount.synth.api import MIN_EMPLOYEES
from test_cli import HEADCOUNT
from test_out_safety import snapshot


@pytest.fixture(scope="module")
def small_synth(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """The smallest synthetic agency: long enough a run to signal, short enough to repeat."""
    return generate(tmp_path_factory.mktemp("small") / "agency", MIN_EMPLOYEES, seed=4)


@pytest.fixture
def previous(small_synth: SynthResult, tmp_path: Path) -> Path:
    """OUT already holding the results of an earlier run."""
    out = tmp_path / "r"
    verify(small_synth.out_dir, out)
    return out


def start(dataset: Path, out: Path, tmpdir: Path) -> subprocess.Popen[str]:
    tmpdir.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmpdir), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.Popen(
        [HEADCOUNT, "verify", str(dataset), "--out", str(out), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_for(proc: subprocess.Popen[str], seen: Callable[[], bool], what: str) -> None:
    while proc.poll() is None:
        if seen():
            return
        time.sleep(0.002)
    pytest.fail(f"verify ended (exit {proc.returncode}) before {what} appeared")


def spill_folders(tmpdir: Path) -> list[str]:
    return [p.name for p in tmpdir.iterdir() if p.name.startswith(SPILL_PREFIX)]


def beside(out: Path) -> list[str]:
    """What a run left next to OUT (its partial or old folder)."""
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_signal_while_the_rules_run(small_synth, previous, tmp_path, sig, code, word):
    before = snapshot(previous)
    tmpdir = tmp_path / "tmp"
    proc = start(small_synth.out_dir, previous, tmpdir)
    wait_for(proc, lambda: bool(spill_folders(tmpdir)), "its spill folder")
    proc.send_signal(sig)
    stdout, stderr = proc.communicate()
    assert proc.returncode == code, stderr
    assert stderr.splitlines() == [f"{word}; nothing was written to {previous}"]
    assert stdout == ""
    assert snapshot(previous) == before
    assert beside(previous) == [] and spill_folders(tmpdir) == []


def test_ctrl_c_while_out_is_written(small_synth, previous, tmp_path):
    before = snapshot(previous)
    proc = start(small_synth.out_dir, previous, tmp_path / "tmp")
    wait_for(proc, lambda: bool(beside(previous)), "the partial folder")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate()
    assert proc.returncode == 130, stderr
    # The signal may land while the finished folder is being renamed into place: it then
    # takes effect after, and the one line must say so.
    if stderr.splitlines() == [f"interrupted; nothing was written to {previous}"]:
        assert snapshot(previous) == before
    else:
        assert stderr.splitlines() == [f"interrupted after {previous} was written"]
        assert sorted(snapshot(previous)) == sorted(RESULTS.files)
    assert beside(previous) == []


def test_killed_runs_leave_nothing_after_the_next_run(small_synth, previous, tmp_path):
    tmpdir = tmp_path / "tmp"
    proc = start(small_synth.out_dir, previous, tmpdir)
    wait_for(proc, lambda: bool(spill_folders(tmpdir)), "its spill folder")
    proc.kill()
    proc.wait()
    assert len(spill_folders(tmpdir)) == 1  # SIGKILL: nothing could clean up

    proc = start(small_synth.out_dir, previous, tmpdir)
    wait_for(proc, lambda: bool(beside(previous)), "the partial folder")
    proc.kill()
    proc.wait()
    assert beside(previous) != []
    assert spill_folders(tmpdir) == []  # the first run's, removed by the second

    proc = start(small_synth.out_dir, previous, tmpdir)
    _, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    assert beside(previous) == [] and spill_folders(tmpdir) == []
    assert sorted(snapshot(previous)) == sorted(RESULTS.files)
