"""`headcount cases …` and `headcount debts …` through the real console script, `--as` a staff
user: a coded determination opens a debt, finance refers it once delinquent 120 days, and
`debts export-top` writes the referral file (owner-only, never overwritten); refusals are
one sentence and exit status 2."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from casekit import World, case_id, emailed, past_the_contest_period

from headcount.cases.debts import ledger
from headcount.store import Store, utcnow

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))


def run(*args: str, db: str, ring: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEADCOUNT_DATABASE_URL": db, "HEADCOUNT_PII_KEYRING_FILE": str(ring),
           "COLUMNS": "200"}  # fmt: skip
    return subprocess.run([HEADCOUNT, *args], capture_output=True, text=True, env=env, timeout=300)


def test_determine_refer_and_export_by_cli(
    imported: Store, database_url: str, users, world: World, tmp_path: Path
) -> None:
    ring = tmp_path / "pii.keyring"  # the keyring the `imported` fixture used
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    past_the_contest_period(imported, cid, users["ana"])
    args = ["cases", "determine", str(cid), "--as", "ana", "--outcome", "improper_overpayment",
            "--cause", "administrative_error_agency", "--overpayment", "900.00",
            "--reason", "paid after separation"]  # fmt: skip
    done = run(*args, db=database_url, ring=ring)
    assert done.returncode == 0, done.stderr
    debt_id = json.loads(done.stdout)["debt_id"]
    again = run(*args, db=database_url, ring=ring)
    assert again.returncode == 2 and "already determined" in again.stderr
    assert "Traceback" not in again.stderr
    refused = run("debts", "notice", str(debt_id), "--as", "ana", db=database_url, ring=ring)
    assert refused.returncode == 2 and "analyst may not" in refused.stderr
    early = run("debts", "refer", str(debt_id), "--as", "fin", db=database_url, ring=ring)
    assert early.returncode == 2 and "cannot refer a debt that is established" in early.stderr
    with imported.begin() as s:  # the notice went out 200 days ago: delinquent 170 days
        ledger.send_notice(s, debt_id, users["fin"], now=utcnow() - timedelta(days=200))
    emailed(imported, cid, utcnow() - timedelta(days=200), kind="debt_notice")
    assert run("debts", "refer", str(debt_id), "--as", "fin", db=database_url,
               ring=ring).returncode == 0  # fmt: skip
    paid = run("debts", "pay", str(debt_id), "--as", "fin", "--amount", "100",
               "--method", "treasury_offset", db=database_url, ring=ring)  # fmt: skip
    assert paid.returncode == 0, paid.stderr
    assert json.loads(paid.stdout)["balance"] == "800.00"
    listed = run("debts", "list", "--as", "fin", db=database_url, ring=ring)
    assert "referred" in listed.stdout and "800.00" in listed.stdout
    out = tmp_path / "top.csv"
    exported = run("debts", "export-top", "--as", "fin", "--out", str(out), db=database_url,
                   ring=ring)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["debtor_tin"] == world.ssns["VA1"].replace("-", "")
    assert (row["record_type"], row["debt_id"], row["balance"]) == ("D", str(debt_id), "800.00")
    assert world.ssns["VA1"].replace("-", "") not in exported.stdout + exported.stderr
    twice = run("debts", "export-top", "--as", "fin", "--out", str(out), db=database_url,
                ring=ring)  # fmt: skip
    assert twice.returncode == 2 and "exists" in twice.stderr
    nobody = run("cases", "list", "--as", "ghost", db=database_url, ring=ring)
    assert nobody.returncode == 2 and "no staff user" in nobody.stderr
