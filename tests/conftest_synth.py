"""Fixtures for the synthetic agency: small generated datasets shared across a test session.

Import the fixture functions (e.g. into conftest.py) to make `synth_dataset` and
`synth_dataset_dmf` available to tests; they are registered under those names.
"""

from __future__ import annotations

import pytest

from headcount.synth import SynthResult, generate

SYNTH_EMPLOYEES = 2000


@pytest.fixture(scope="session", name="synth_dataset")
def synth_dataset_fixture(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A 2,000-employee agency (seed 0) with deaths.csv and truth.json."""
    return generate(tmp_path_factory.mktemp("synth") / "agency", SYNTH_EMPLOYEES, seed=0)


@pytest.fixture(scope="session", name="synth_dataset_dmf")
def synth_dataset_dmf_fixture(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """The same agency with its death records as an SSA Death Master File (deaths.dmf)."""
    out = tmp_path_factory.mktemp("synth_dmf") / "agency"
    return generate(out, SYNTH_EMPLOYEES, seed=0, deaths_format="dmf")
