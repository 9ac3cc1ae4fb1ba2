"""`headcount cases deliver|letters|mailed|recipient` and `debts deliver` through the real
console script, against a real SMTP server: email for those with a work address, a print
batch with its manifest for the one who chose post, the mailing date recorded, refusals as
one sentence and exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from casekit import SECRET, case_id

from headcount.cases import notices, workflow
from headcount.store import Store, utcnow

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))


def run(*args: str, db: str, ring: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEADCOUNT_DATABASE_URL": db, "HEADCOUNT_PII_KEYRING_FILE": str(ring),
           "COLUMNS": "200"}  # fmt: skip
    return subprocess.run([HEADCOUNT, *args], capture_output=True, text=True, env=env, timeout=300)


def test_deliver_by_email_and_print_then_record_the_mailing(
    imported: Store, database_url: str, users, tmp_path: Path, mail_server
) -> None:
    ring, ana = tmp_path / "pii.keyring", users["ana"]
    by_post, by_email = (case_id(imported, "PAID_AFTER_SEPARATION", "VA1"),
                         case_id(imported, "DUPLICATE_PAYMENT", "VA2"))  # fmt: skip
    done = run("cases", "recipient", "VA1", "--post", "--as", "ana", db=database_url, ring=ring)
    assert done.returncode == 0 and "VA1: letters go by post" in done.stdout, done.stderr
    with imported.begin() as s:
        for cid in (by_post, by_email):
            workflow.verify(s, cid, ana, source="HR record")
            notices.send_notice(s, cid, ana, signer=notices.contest_signer(SECRET),
                                base_url="https://hc.example.gov")  # fmt: skip
    nothing = run("cases", "deliver", "--as", "ana", db=database_url, ring=ring)
    assert nothing.returncode == 2 and "--print-batch" in nothing.stderr
    sink, port = mail_server
    sent = run("cases", "deliver", "--as", "ana", "--email", "--smtp-host", "127.0.0.1",
               "--smtp-port", str(port), "--from", "payroll@va.example",
               db=database_url, ring=ring)  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert "Emailed: 1;" in sent.stdout
    assert [m["To"] for m in sink.messages] == ["va2@agency.example.gov"]
    refused = run("debts", "deliver", "--as", "ana", "--email", "--smtp-port", str(port),
                  db=database_url, ring=ring)  # fmt: skip
    assert refused.returncode == 2 and "analyst may not" in refused.stderr
    out = tmp_path / "batch.pdf"
    printed = run("cases", "deliver", "--as", "ana", "--print-batch", str(out),
                  db=database_url, ring=ring)  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    assert "Printed 1 letter(s)" in printed.stdout and out.read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "batch.manifest.csv").is_file()
    listed = run("cases", "letters", str(by_post), "--as", "ana", db=database_url, ring=ring)
    (letter,) = json.loads(listed.stdout)
    assert (letter["state"], letter["channel"], letter["provided_at"]) == ("printed", "post", None)
    today = utcnow().date().isoformat()
    mailed = run("cases", "mailed", str(letter["id"]), "--as", "ana", "--on", today,
                 db=database_url, ring=ring)  # fmt: skip
    assert mailed.returncode == 0, mailed.stderr
    assert json.loads(mailed.stdout)["mailed_on"] == today
    again = run("cases", "mailed", str(letter["id"]), "--as", "ana", db=database_url, ring=ring)
    assert again.returncode == 2 and "only a printed letter" in again.stderr
    assert "Traceback" not in again.stderr
    other = run("cases", "mailed", str(letter["id"]), "--as", "dee", db=database_url, ring=ring)
    assert other.returncode == 2 and "no case" in other.stderr
    shown = run("cases", "show", str(by_post), "--as", "ana", db=database_url, ring=ring)
    assert json.loads(shown.stdout)["contest_deadline"] is not None
