"""`headcount publish` through the real CLI on a synthetic agency: the figures are the
results' own, every withheld figure survives an outsider's attack on figures.csv, no
roster, payroll or check-in value appears, the same inputs give the same bytes, and bad
input stops it with nothing written."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from publish_attack import Row, attack, read_figures
from typer.testing import CliRunner

from headcount.cli.app import app

ALL = "(all)"
# Categories, not identifiers: published by design (agency) or shared by thousands.
CATEGORICAL = {"agency", "org_code", "pay_plan", "grade", "step", "state", "payment_type"}
RUNGS = {"lead", "verified", "determined", "recovered", "context"}


def publish(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["publish", *args])
    return result.exit_code, result.output


def figures(out: Path) -> list[dict[str, str]]:
    with (out / "figures.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def value(rows: list[dict[str, str]], table: str, row: str, column: str) -> str:
    (found,) = [r for r in rows if (r["table"], r["row"], r["column"]) == (table, row, column)]
    return found["value"] if found["status"] == "published" else "withheld"


def nonresponse_inequalities(
    rows: list[Row],
) -> list[tuple[tuple[tuple[str, str, str]], tuple[str, str, str]]]:
    """What the page documents: no more employees with a finding, or without evidence,
    than employees, in every cell."""
    found = []
    for r in rows:
        for part in ("_with_finding", "_no_evidence"):
            if r.table.endswith(part):
                whole = r.table.removesuffix(part) + "_employees"
                found.append((((r.table, r.row, r.column),), (whole, r.row, r.column)))
    return found


def case_inequalities(
    rows: list[Row],
) -> list[tuple[tuple[tuple[str, str, str]], tuple[str, str, str]]]:
    """Every outcome but "proper" needs an independent verification first; the cause table
    counts the same determinations as the outcome table (equal totals: two inequalities),
    and exactly the proper ones have no cause."""
    found = [
        (((r.table, r.row, r.column),), ("verified_by_rule", r.row, "verified"))
        for r in rows
        if r.table == "determined_by_rule" and r.column not in {"proper", ALL}
    ]
    for r in rows:
        if r.table == "determined_by_rule" and r.column in {"proper", ALL}:
            mine = ("determined_by_rule", r.row, r.column)
            theirs = ("determined_by_cause", r.row, ALL if r.column == ALL else "none (proper)")
            found += [((mine,), theirs), ((theirs,), mine)]
    return found


def assert_nothing_given_away(out: Path) -> int:
    rows = read_figures(out / "figures.csv")
    found = attack(rows, nonresponse_inequalities(rows) + case_inequalities(rows))
    for key, f in found.items():
        assert not f.fixed_by_equations, key
        if next(r.unit for r in rows if (r.table, r.row, r.column) == key) == "count":
            assert f.high - f.low >= 2, (key, f)
        else:
            assert f.high - f.low >= 1, (key, f)
    return len(found)


@pytest.fixture(scope="module")
def published(verified_agency, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pub") / "publication"
    code, output = publish("--results", str(verified_agency.results), "--out", str(out))
    assert code == 0, output
    assert "withheld as small" in output
    return out


def test_writes_the_page_and_the_figures(published: Path) -> None:
    assert sorted(p.name for p in published.iterdir()) == ["figures.csv", "publication.html"]
    rows = figures(published)
    assert {r["rung"] for r in rows} <= RUNGS
    assert all(r["status"] in {"published", "withheld"} for r in rows)
    assert all((r["value"] == "") == (r["status"] == "withheld") for r in rows)


def test_figures_are_the_results_own(published: Path, verified_agency) -> None:
    summary = json.loads((verified_agency.results / "summary.json").read_text())
    rows = figures(published)
    leads = sum(v["findings"] for k, v in summary["findings"]["by_severity"].items() if k != "info")
    assert value(rows, "leads_by_rule", ALL, ALL) == str(leads)
    # Every published lead count is the count in findings.csv.
    with (verified_agency.results / "findings.csv").open(encoding="utf-8", newline="") as f:
        counted = Counter((r["rule"], r["severity"]) for r in csv.DictReader(f))
    for r in rows:
        if r["table"] == "leads_by_rule" and ALL not in (r["row"], r["column"]):
            if r["status"] == "published":
                assert int(r["value"]) == counted[(r["row"], r["column"])]
            else:
                assert counted[(r["row"], r["column"])] > 0
    # The non-response figures are summary.json's existence counts.
    campaign = summary["existence"]["campaigns"][0]
    everyone = campaign["all_agencies"]
    table = next(r["table"] for r in rows if r["table"].endswith("_employees"))
    assert value(rows, table, ALL, ALL) == str(everyone["roster"])
    assert value(rows, table, ALL, "did not reply") == str(everyone["did_not_reply"]["employees"])
    digest = hashlib.sha256((verified_agency.results / "manifest.json").read_bytes()).hexdigest()
    assert {r["source"] for r in rows} == {f"verify results, manifest.json SHA-256 {digest}"}
    # Without --database nothing from the case store appears.
    assert not any(r["rung"] in {"verified", "determined"} for r in rows)


def test_no_withheld_figure_can_be_worked_out(published: Path) -> None:
    assert assert_nothing_given_away(published) > 0  # the agency has small cells to protect


def _needles(data: Path) -> set[str]:
    """Every value of the roster, payroll, check-ins and death records that could point at
    someone, as written and (SSNs) as bare digits."""
    found: set[str] = set()
    campaigns = (data / "campaigns.csv").read_text(encoding="utf-8")
    for name in ("roster.csv", "payroll.csv", "checkins.csv", "deaths.csv", "activity.csv"):
        with (data / name).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                for column, v in row.items():
                    if column in CATEGORICAL or not v or v.strip("0.") == "":
                        continue
                    found.add(v)
                    if column == "ssn":
                        found.add(v.replace("-", ""))
    # Zero dollars are nobody's; shorter than 3 characters identifies nobody (a middle initial) and is in every word;
    # a campaign's own id (it holds its send date, which may be someone's hire date) is no
    # roster value.
    return {v for v in found if len(v) >= 3 and v not in campaigns}


def test_no_roster_value_appears(published: Path, verified_agency) -> None:
    needles = _needles(verified_agency.data)
    assert len(needles) > 10_000
    for name in ("figures.csv", "publication.html"):
        text = (published / name).read_text(encoding="utf-8")
        tokens = set(re.findall(r"[\w@.'+-]+", text))
        tokens |= {t.strip(".-'") for t in tokens}
        hits = sorted(v for v in needles if v in tokens or (" " in v and v in text))
        assert hits == [], f"{name} holds {hits[:5]}"


def test_same_inputs_same_bytes(published: Path, verified_agency, tmp_path: Path) -> None:
    again = tmp_path / "again"
    code, output = publish("--results", str(verified_agency.results), "--out", str(again))
    assert code == 0, output
    for name in ("figures.csv", "publication.html"):
        assert (again / name).read_bytes() == (published / name).read_bytes()
    # Publishing again over the same folder replaces it.
    code, _ = publish("--results", str(verified_agency.results), "--out", str(again))
    assert code == 0


def test_with_the_case_store(case_store, verified_agency, tmp_path: Path) -> None:
    out = tmp_path / "with-cases"
    code, output = publish(
        "--results", str(verified_agency.results), "--database", case_store.url, "--out", str(out)
    )
    assert code == 0, output
    rows = figures(out)
    tables = {r["table"]: r["rung"] for r in rows}
    assert tables["verified_by_rule"] == "verified"
    assert tables["determined_by_rule"] == "determined"
    assert tables["determined_dollars_1"] == "determined"
    assert tables["determined_by_cause"] == "determined"
    assert value(rows, "determined_by_cause", ALL, ALL) == str(
        case_store.confirmed + case_store.dismissed
    )
    assert value(rows, "determined_by_cause", ALL, "none (proper)") == str(case_store.dismissed)
    # The causes' published figures are the store's own counts, and every withheld one
    # stands for 1 to 10 cases or hides a figure that would give one away.
    for r in rows:
        if r["table"] == "determined_by_cause" and ALL not in (r["row"], r["column"]):
            counted = case_store.causes.get((r["row"], r["column"]), 0)
            if r["status"] == "published":
                assert int(r["value"]) == counted, r
            else:
                assert counted > 0, r
    assert any(
        r["status"] == "withheld" for r in rows if r["table"] == "determined_by_cause"
    )  # the cause table has small cells, and they survive the attack below
    assert value(rows, "verified_by_rule", ALL, "verified") == str(case_store.verified)
    assert value(rows, "determined_by_rule", ALL, ALL) == str(
        case_store.confirmed + case_store.dismissed
    )
    assert all(
        r["source"].startswith("case store, cases as of ")
        for r in rows
        if r["rung"] in {"verified", "determined", "recovered"}
    )
    assert assert_nothing_given_away(out) > 0
    page = (out / "publication.html").read_text(encoding="utf-8")
    assert "No recovery is recorded in the case store yet." in page
    assert "Not included" not in page


def test_without_the_store_says_so(published: Path) -> None:
    page = (published / "publication.html").read_text(encoding="utf-8")
    assert page.count("Not included: this publication was made from verify results alone") == 3
    assert "fraud" not in page.replace("nothing here is a finding of fraud", "")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda r: (r / "summary.json").unlink(), "no summary.json"),
        (lambda r: (r / "summary.json").write_text("{not json"), "summary.json: not readable JSON"),
        (lambda r: (r / "findings.csv").unlink(), "no findings.csv"),
        (
            lambda r: (r / "findings.csv").write_text(
                "finding_id,rule,severity,employee_ids,payment_ids,amount_at_risk,summary,evidence\n"
                "HC-1,PAID_AFTER_DEATH,high,E1,P1,12.00,s,{}\n"
                "HC-2,PAID_AFTER_DEATH,high,E2,P2,twelve,s,{}\n"
            ),
            "row 3, column amount_at_risk: 'twelve' is not dollars",
        ),
        (
            lambda r: (r / "findings.csv").write_text(
                "finding_id,rule,severity,employee_ids,payment_ids,amount_at_risk,summary,evidence\n"
                "HC-1,PAID_AFTER_DEATH,urgent,E1,P1,12.00,s,{}\n"
            ),
            "row 2, column severity: 'urgent' is not a severity",
        ),
        (
            lambda r: (r / "summary.json").write_text(
                json.dumps({"existence": {"campaigns": [{"campaign_id": "C1", "agencies": [{}]}]}})
            ),
            "its existence block is not as verify writes it",
        ),
    ],
)
def test_bad_results_write_nothing(verified_agency, tmp_path: Path, damage, message) -> None:
    results = tmp_path / "results"
    shutil.copytree(verified_agency.results, results)
    damage(results)
    out = tmp_path / "out"
    code, output = publish("--results", str(results), "--out", str(out))
    assert code == 2
    assert message in " ".join(output.split())
    assert not out.exists()


def test_out_that_is_something_else_is_refused(verified_agency, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    code, output = publish("--results", str(verified_agency.results), "--out", str(out))
    assert code == 2
    assert "is not a headcount publication folder" in " ".join(output.split())
    assert (out / "mine.txt").read_text() == "keep me"
    code, _ = publish("--results", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert code == 2


def test_dollars_are_exact(published: Path, verified_agency) -> None:
    rows = figures(published)
    with (verified_agency.results / "findings.csv").open(encoding="utf-8", newline="") as f:
        total = sum((Decimal(r["amount_at_risk"]) for r in csv.DictReader(f)), Decimal(0))
    assert value(rows, "lead_dollars_by_rule", ALL, "at risk") == f"{total:.2f}"


def test_rate_differences_only_beside_published_counts(published: Path, verified_agency) -> None:
    summary = json.loads((verified_agency.results / "summary.json").read_text())
    rows = figures(published)
    campaign = summary["existence"]["campaigns"][0]
    group = next(r["table"] for r in rows if r["table"].endswith("_employees"))
    group = group.removesuffix("_employees")
    checked = 0
    for block, row, label in [
        *((a, a["agency"], a["agency"]) for a in campaign["agencies"]),
        (campaign["all_agencies"], ALL, "All agencies"),
    ]:
        diff = block["finding_rate_difference"]
        if diff is None:
            assert not [
                r for r in rows if r["table"] == f"{group}_difference" and r["row"] == label
            ]
            continue
        counts = [
            value(rows, f"{group}_{t}", row, g)
            for t in ("employees", "with_finding")
            for g in ("replied", "did not reply")
        ]
        shown = value(rows, f"{group}_difference", label, "difference")
        if "withheld" in counts:
            assert shown == "withheld"
        else:
            assert Decimal(shown) == Decimal(f"{100 * diff['estimate']:.2f}")
            checked += 1
    assert checked >= 1  # all agencies together are large enough
    page = (published / "publication.html").read_text(encoding="utf-8")
    assert "did not reply less replied (percentage points)" in page
