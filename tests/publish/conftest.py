"""A synthetic agency made and verified through the real CLI (`headcount synth`, `verify`),
and a case store with cases imported from it (`headcount cases import`) and walked
through the due-process steps by the library, for the publication tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from headcount.cli.app import app

EMPLOYEES = 2000


@dataclass(frozen=True)
class Verified:
    data: Path
    results: Path


@dataclass(frozen=True)
class CaseStore:
    url: str
    verified: int
    confirmed: int
    dismissed: int
    causes: dict[tuple[str, str], int]  # determinations by (rule, cause); "none (proper)"


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


@pytest.fixture(scope="session")
def verified_agency(tmp_path_factory: pytest.TempPathFactory) -> Verified:
    root = tmp_path_factory.mktemp("publish")
    data, results = root / "agency", root / "results"
    run("synth", str(data), "--employees", str(EMPLOYEES), "--seed", "5", "-q")
    run("verify", str(data), "--out", str(results), "-q")
    return Verified(data, results)


@pytest.fixture(scope="session")
def case_store(tmp_path_factory: pytest.TempPathFactory, verified_agency: Verified) -> CaseStore:
    """Cases imported by the CLI; then, by the library as analysts would: the first 30
    verified, those with dollars at risk confirmed improper under an approved exception,
    the others dismissed, and a few unverified cases dismissed. The improper ones take three
    causes in turn, so that the cause table has small cells to protect."""
    from collections import Counter

    from sqlalchemy import select

    from headcount.auth.roles import Role
    from headcount.cases import determinations, workflow
    from headcount.cases.access import Actor
    from headcount.cases.models import Case
    from headcount.store import Store, utcnow

    root = tmp_path_factory.mktemp("store")
    url = f"sqlite:///{root / 'headcount.db'}"
    run(
        "cases", "import", str(verified_agency.results), "--data", str(verified_agency.data),
        "--database", url, "--keyring", str(root / "pii.keyring"), "--agency", "VA",
    )  # fmt: skip
    ana, bob, cy = (Actor(n, Role.ANALYST, None) for n in ("ana", "bob", "cy"))
    store = Store.open(url)
    verified = confirmed = dismissed = 0
    causes: Counter[tuple[str, str]] = Counter()
    reasons = ("administrative_error_agency", "failure_to_verify", "death_data_not_timely")
    try:
        with store.begin() as s:
            cases = [(c.id, c.amount_at_risk) for c in s.scalars(select(Case).order_by(Case.id))]
        now = utcnow()
        for n, (cid, at_risk) in enumerate(cases):
            with store.begin() as s:
                rule = s.get(Case, cid).rule  # type: ignore[union-attr]
                if n < 30:
                    workflow.verify(s, cid, ana, source="HR file SF-50", now=now)
                    verified += 1
                    if at_risk > 0:
                        exc = workflow.request_exception(s, cid, ana, justification="safety")
                        workflow.approve_exception(s, cid, exc.id, bob)
                        workflow.approve_exception(s, cid, exc.id, cy)
                        determinations.determine(
                            s, cid, ana, outcome="improper_overpayment",
                            cause=reasons[n % 3], identified=at_risk,
                            prevented=at_risk, reason="paid in error; stopped before payday",
                            now=now + timedelta(days=1),
                        )  # fmt: skip
                        confirmed += 1
                        causes[(rule, reasons[n % 3])] += 1
                    else:
                        determinations.dismiss(s, cid, ana, reason="explained by HR")
                        dismissed += 1
                        causes[(rule, "none (proper)")] += 1
                elif n < 36:
                    determinations.dismiss(s, cid, ana, reason="duplicate of another case")
                    dismissed += 1
                    causes[(rule, "none (proper)")] += 1
    finally:
        store.close()
    return CaseStore(url, verified, confirmed, dismissed, dict(causes))
