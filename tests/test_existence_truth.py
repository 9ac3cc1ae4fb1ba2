"""The non-response question on a synthetic agency, against what was planted (truth.json),
and the proof that not replying changes no finding: deleting every check-in leaves every
finding that is not about a check-in exactly as it was, and every payee's status too."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest

from builders import Results
from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.pipeline.existence import people_sql, send_window
from headcount.pipeline.run import Clock, analyse
from headcount.pipeline.verify import verify
from headcount.rules import all_rules
from headcount.synth import SynthResult

pytestmark = pytest.mark.slow
SENT = dt.date(2025, 2, 22)
CHECKIN_RULES = {r.code for r in all_rules() if "checkins" in r.needs}


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress output in tests."""


@pytest.fixture(scope="module")
def truth(synth_dataset: SynthResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(synth_dataset.truth_path.read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def people(synth_dataset: SynthResult) -> dict[str, dict[str, Any]]:
    """Per employee on the roster on the send date: replied, evidence, finding (the rows the
    existence counts are made of), from the same analysis verify runs."""
    with tempfile.TemporaryDirectory() as spill:
        duck = DuckDBEngine(duckdb.connect(), temp_directory=Path(spill))
        try:
            found = analyse(duck, synth_dataset.out_dir, Clock(), _quiet)
            window = send_window(duck)
            assert window is not None
            rows = duck.fetch_arrow(people_sql(duck.dialect, True, window)).to_pylist()
        finally:
            duck.close()
    assert found.existence is not None
    return {r["employee_id"]: r for r in rows}


@pytest.fixture(scope="module")
def with_and_without(
    synth_dataset: SynthResult, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Results, Results]:
    """verify on the agency, and on a copy whose checkins.csv has its header only."""
    root = tmp_path_factory.mktemp("no-checkins")
    copy = root / "agency"
    shutil.copytree(synth_dataset.out_dir, copy)
    header = (copy / "checkins.csv").read_text("utf-8").splitlines()[0]
    (copy / "checkins.csv").write_text(header + "\n", encoding="utf-8")
    verify(synth_dataset.out_dir, root / "with")
    verify(copy, root / "without")
    return Results(root / "with"), Results(root / "without")


def _planted(truth: dict[str, Any], rule: str, variant: str | None = None) -> set[str]:
    return {
        e
        for a in truth["anomalies"]
        if a["rule"] == rule and variant in (None, a.get("variant"))
        for e in a["employee_ids"]
    }


def _roster_on_send_date(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with (folder / "roster.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            hired = not r["hire_date"] or dt.date.fromisoformat(r["hire_date"]) <= SENT
            left = r["separation_date"] and dt.date.fromisoformat(r["separation_date"]) < SENT
            if hired and not left:
                counts[r["agency"]] = counts.get(r["agency"], 0) + 1
    return counts


def test_the_groups_add_up_to_what_was_planted(
    with_and_without: tuple[Results, Results], truth: dict[str, Any], synth_dataset: SynthResult
) -> None:
    existence = with_and_without[0].summary["existence"]
    [campaign] = existence["campaigns"]
    by_agency = {a["agency"]: a["roster"] for a in campaign["agencies"]}
    assert by_agency == _roster_on_send_date(synth_dataset.out_dir)
    total = campaign["all_agencies"]
    counts = truth["counts"]
    # truth counts the living only; the roster on the send date also holds the dead whose
    # records were never closed, and a reply came in one dead person's name.
    dead_on_roster = total["roster"] - counts["active_at_campaign"]
    died_and_replied = len(_planted(truth, "CHECKIN_FROM_INACTIVE", "died"))
    assert total["did_not_reply"]["employees"] == (
        counts["non_responders"] + dead_on_roster - died_and_replied
    )
    assert dead_on_roster >= died_and_replied


def test_planted_non_responders_are_real_and_carry_no_finding(
    people: dict[str, dict[str, Any]], truth: dict[str, Any]
) -> None:
    [planted] = [x for x in truth["lookalikes"] if x["kind"] == "non_responder"]
    assert len(planted["employee_ids"]) >= 5
    for eid in planted["employee_ids"]:
        p = people[eid]
        assert not p["replied"] and not p["finding"], eid
        assert p["regular_pay"] or p["activity"] or p["hr_record"], eid


def test_the_paid_after_death_lack_hr_evidence_and_carry_a_finding(
    people: dict[str, dict[str, Any]], truth: dict[str, Any]
) -> None:
    dead = _planted(truth, "PAID_AFTER_DEATH") & set(people)
    assert dead
    for eid in dead:
        assert people[eid]["finding"] and not people[eid]["hr_record"], eid
    for eid in _planted(truth, "CHECKIN_FROM_INACTIVE", "died"):
        assert people[eid]["replied"] and people[eid]["finding"], eid


def test_ghosts_and_the_departed_are_in_neither_group(
    people: dict[str, dict[str, Any]], truth: dict[str, Any]
) -> None:
    for eid in _planted(truth, "PAYEE_NOT_IN_ROSTER") | _planted(
        truth, "CHECKIN_FROM_INACTIVE", "separated"
    ):
        assert eid not in people


def test_deleting_every_checkin_changes_no_finding(
    with_and_without: tuple[Results, Results],
) -> None:
    before, after = with_and_without
    kept = [f for f in before.findings if f["rule"] not in CHECKIN_RULES]
    assert len(kept) < len(before.findings), "the agency has findings about check-ins"
    assert after.findings == kept


def test_deleting_every_checkin_changes_no_payee_status(
    with_and_without: tuple[Results, Results],
) -> None:
    before, after = with_and_without
    assert set(before.payees) == set(after.payees)
    replied = 0
    for eid, row in before.payees.items():
        other = after.payees[eid]
        if "checkin_reply" in row["evidence_for"].split(";"):
            replied += 1
        # Only the reply itself goes; what counts against a payee is the findings, which
        # are the same but for those about check-ins.
        against = [r for r in row["evidence_against"].split(";") if r not in CHECKIN_RULES]
        assert [r for r in other["evidence_against"].split(";") if r] == [r for r in against if r]
        if not any(r in CHECKIN_RULES for r in row["evidence_against"].split(";")):
            assert other["status"] == row["status"], eid
        assert other["evidence_for"].split(";") == [
            e for e in row["evidence_for"].split(";") if e != "checkin_reply"
        ]
    assert replied > 100


def test_without_replies_everyone_is_in_the_did_not_reply_group(
    with_and_without: tuple[Results, Results],
) -> None:
    before, after = with_and_without
    [was] = before.summary["existence"]["campaigns"]
    [now] = after.summary["existence"]["campaigns"]
    assert now["all_agencies"]["replied"]["employees"] == 0
    assert now["all_agencies"]["roster"] == was["all_agencies"]["roster"]
