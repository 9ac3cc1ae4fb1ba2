"""Shared fixtures: hand-built agencies, a verify runner, and result readers."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from builders import Agency, Results
from headcount.synth import SynthResult, generate

# Shared machines are noisy: property tests are judged on correctness, never on speed.
settings.register_profile("headcount", deadline=None, print_blob=True)
settings.load_profile("headcount")
# The audit chain's key for in-process tests (a CLI subprocess inherits it), so no test
# derives one from a headcount.key that it would create in the working directory.
os.environ.setdefault("HEADCOUNT_AUDIT_KEY", "test-audit-key-" + "a" * 32)
# The sender's journals (checkins/journal.py) in a folder of the test run, not the home one.
os.environ.setdefault("HEADCOUNT_OUTBOX_DIR", tempfile.mkdtemp(prefix="headcount-outbox-"))
SYNTH_EMPLOYEES = 2000


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one per test module (browser.py)."""
    from browser import launch_chromium

    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def agency(tmp_path: Path) -> Agency:
    return Agency(tmp_path / "agency")


@pytest.fixture
def run_verify(tmp_path: Path) -> Callable[..., Results]:
    """Write the agency's files, verify them through the library, return the results."""

    from headcount.pipeline.verify import verify

    def run(agency: Agency, **options: Any) -> Results:
        out = tmp_path / "results"
        verify(agency.write(), out, **options)
        return Results(out)

    return run


@pytest.fixture(scope="session")
def synth_dataset(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A 2,000-employee synthetic agency (seed 0) with deaths.csv and truth.json."""
    return generate(tmp_path_factory.mktemp("synth") / "agency", SYNTH_EMPLOYEES, seed=0)


@pytest.fixture(scope="session")
def synth_dataset_dmf(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """The same agency with its death records as an SSA Death Master File (deaths.dmf)."""
    out = tmp_path_factory.mktemp("synth_dmf") / "agency"
    return generate(out, SYNTH_EMPLOYEES, seed=0, deaths_format="dmf")
