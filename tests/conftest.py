"""Shared fixtures: hand-built agencies, a verify runner, and result readers."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from builders import Agency
from headcount.synth import SynthResult, generate

# Shared machines are noisy: property tests are judged on correctness, never on speed.
settings.register_profile("headcount", deadline=None, print_blob=True)
settings.load_profile("headcount")
# The audit chain's key for in-process tests (a CLI subprocess inherits it), so no test
# derives one from a headcount.key that it would create in the working directory.
os.environ.setdefault("HEADCOUNT_AUDIT_KEY", "test-audit-key-" + "a" * 32)
SYNTH_EMPLOYEES = 2000


@dataclass
class Results:
    out: Path

    @property
    def findings(self) -> list[dict[str, Any]]:
        with (self.out / "findings.csv").open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            row["evidence"] = json.loads(row["evidence"])
            row["amount_at_risk"] = Decimal(row["amount_at_risk"])
        return rows

    def of(self, rule: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["rule"] == rule]

    @property
    def payees(self) -> dict[str, dict[str, str]]:
        with (self.out / "payees.csv").open(newline="", encoding="utf-8") as fh:
            return {row["employee_id"]: row for row in csv.DictReader(fh)}

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.out / "summary.json").read_text(encoding="utf-8"))


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
