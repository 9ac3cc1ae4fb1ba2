"""Export in the contract format, read back by `verify`; and the whole campaign through the
console script: roster -> emails in a local SMTP server -> emailed replies -> export -> verify."""

from __future__ import annotations

import csv
import mailbox
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from smtp_sink import smtp_server
from test_checkin_cli import run

from checkins.conftest import SECRET
from headcount.checkins.campaigns import create_campaign
from headcount.checkins.export import export_campaign
from headcount.checkins.links import Signer
from headcount.checkins.mail_out import SmtpSettings, send_invitations
from headcount.checkins.models import Recipient, ReplySource
from headcount.checkins.replies import submit
from headcount.contract.policy import Policy
from headcount.contract.tables import CAMPAIGNS, CHECKINS
from headcount.store import Store, utcnow


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_export_writes_the_contract_columns(store: Store, roster: Path, tmp_path: Path) -> None:
    create_campaign(
        store, "wk8", roster, deadline=utcnow() + timedelta(days=2),
        policies={"VA": Policy.MANDATORY, "DOD": Policy.EXEMPT},
    )  # fmt: skip
    with smtp_server() as (_, port, _ca):
        send_invitations(
            store, "wk8", SmtpSettings(host="127.0.0.1", port=port), Signer(SECRET), "https://x"
        )
    with store.begin() as s:
        va1 = s.query(Recipient).filter_by(employee_id="VA1").one()
        submit(s, va1.id, ["one, with comma", 'two "quoted"', "three"], source=ReplySource.WEB)
    out = tmp_path / "dataset"
    done = export_campaign(store, "wk8", out)
    assert (done.agencies, done.checkins) == (3, 1)
    header = (out / "campaigns.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(CAMPAIGNS.column_names)
    campaigns = _rows(out / "campaigns.csv")
    assert [(r["agency"], r["policy"]) for r in campaigns] == [
        ("DOD", "exempt"), ("GSA", "voluntary"), ("VA", "mandatory"),
    ]  # fmt: skip
    assert campaigns[0]["sent_at"].endswith("Z") and campaigns[0]["deadline"].endswith("Z")
    (checkin,) = _rows(out / "checkins.csv")
    assert list(checkin) == list(CHECKINS.column_names)
    assert checkin["text"] == 'one, with comma\ntwo "quoted"\nthree'
    assert (checkin["employee_id"], checkin["source"]) == ("VA1", "web")
    assert checkin["work_email"] == "va1@agency.example.gov"
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_a_campaign_end_to_end_through_the_cli(tmp_path: Path) -> None:
    env = {"HEADCOUNT_SECRET_FILE": str(tmp_path / "key")}
    made = run("synth", str(tmp_path / "agency"), "--employees", "500", "-q", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    agency = tmp_path / "agency"
    for name in ("campaigns.csv", "checkins.csv"):  # synth's own check-ins make way for ours
        (agency / name).unlink(missing_ok=True)
    created = run(
        "campaign", "create", "wk8", "--roster", str(agency), "--deadline", "2099-12-31",
        "--policy", "DOD=exempt", "--policy", "VA=mandatory", cwd=tmp_path, **env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    with smtp_server() as (sink, port, _):
        sent = run(
            "campaign", "send", "wk8", "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
            cwd=tmp_path, **env,
        )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    exempt = {r["work_email"] for r in _rows(agency / "roster.csv") if r["agency"] == "DOD"}
    assert exempt and sink.messages  # DOD's policy is exempt: none of its people is written to
    assert not exempt & {str(m["To"]) for m in sink.messages}
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for invite in sink.messages[:5]:
        reply = EmailMessage()
        reply["From"] = str(invite["To"])
        reply["In-Reply-To"] = str(invite["Message-ID"])
        reply["Message-ID"] = f"<re-{invite['To']}>"
        reply.set_content("- Closed tickets\n- Reviewed contracts\n- Trained staff\n\n-- \nMe")
        box.add(reply)
    box.close()
    ingested = run("campaign", "ingest-mail", "wk8", str(tmp_path / "Maildir"), cwd=tmp_path, **env)
    assert ingested.returncode == 0, ingested.stderr
    assert "5 accepted" in ingested.stdout
    exported = run("campaign", "export", "wk8", "--out", str(agency), cwd=tmp_path, **env)
    assert exported.returncode == 0, exported.stderr
    assert "5 check-ins" in exported.stdout
    verified = run("verify", str(agency), "--out", str(tmp_path / "results"), "-q", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert len(_rows(agency / "checkins.csv")) == 5
