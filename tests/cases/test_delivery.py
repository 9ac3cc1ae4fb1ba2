"""Letters delivered, on SQLite and PostgreSQL: by email through a real SMTP server (the PDF
attached, nothing about the person in the message itself), in print batches with a
manifest, and the contest period counted from the recorded delivery, never from the letter."""

from __future__ import annotations

import csv
import email
import json
from datetime import UTC, date, datetime, timedelta
from email.policy import default
from pathlib import Path

import pytest
from casekit import SECRET, World, case_id, emailed
from sqlalchemy import select

from headcount.audit import AuditEntry
from headcount.cases import determinations, notices, workflow
from headcount.cases.access import Actor, CaseError, CaseNotFound, Forbidden
from headcount.cases.debts import ledger
from headcount.cases.debts.models import Debt
from headcount.cases.delivery import record
from headcount.cases.delivery.email import send_letters
from headcount.cases.delivery.models import Letter
from headcount.cases.delivery.periods import period_end
from headcount.cases.delivery.printing import print_batch
from headcount.cases.delivery.queue import set_recipient
from headcount.cases.models import Case, Notice, Person
from headcount.checkins.smtp import SmtpSettings
from headcount.store import Store, utcnow

BASE = "https://hc.example.gov"


def _noticed(store: Store, cid: int, who: Actor, now: datetime | None = None) -> None:
    with store.begin() as s:
        workflow.verify(s, cid, who, source="HR separation SF-50 on file")
        notices.send_notice(s, cid, who, signer=notices.contest_signer(SECRET), base_url=BASE,
                            now=now)  # fmt: skip


def _letters(store: Store, cid: int) -> list[tuple[int, str, str, str | None]]:
    with store.begin() as s:
        rows = s.scalars(select(Letter).where(Letter.case_id == cid).order_by(Letter.id))
        return [(r.id, r.kind, r.state, r.channel) for r in rows]


def _personal(world: World, store: Store, employee_id: str) -> list[str]:
    """Everything about the person that must never be in a message outside its PDF."""
    roster = {}
    for line in csv.DictReader((world.data / "roster.csv").open()):
        if line["employee_id"] == employee_id:
            roster = line
    ssn = world.ssns[employee_id]
    with store.begin() as s:
        name = s.scalars(select(Person.name).where(Person.employee_id == employee_id)).one()
    values = [name, roster["last_name"], ssn, ssn.replace("-", ""), world.accounts[employee_id],
              roster["date_of_birth"], roster["home_address"], employee_id]  # fmt: skip
    return [v for v in values if v]


def test_emailed_notice_starts_the_period_when_the_server_accepts_it(
    imported, users, world, mail_server
):
    ana = users["ana"]
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    made = utcnow() - timedelta(days=3)
    _noticed(imported, cid, ana, now=made)
    ((letter_id, kind, state, channel),) = _letters(imported, cid)
    assert (kind, state, channel) == ("notice", "queued", "email")
    with imported.begin() as s:  # made three days ago, but not delivered: no period yet
        case = s.get_one(Case, cid)
        assert case.state == "notice_sent" and case.contest_deadline is None
    with pytest.raises(CaseError, match="not been delivered"), imported.begin() as s:
        workflow.record_no_contest(s, cid, ana, now=made + timedelta(days=40))
    sink, port = mail_server
    settings = SmtpSettings(host="127.0.0.1", port=port, sender="payroll@va.example")
    done = send_letters(imported, settings, ana)
    assert done.sent == [letter_id] and not done.failed
    again = send_letters(imported, settings, ana)  # nothing twice
    assert again.sent == [] and len(sink.messages) == 1
    (message,) = sink.messages
    assert message["To"] == "va1@agency.example.gov"
    with imported.begin() as s:
        finding = s.get_one(Case, cid).finding_id
        letter = s.get_one(Letter, letter_id)
        accepted, pdf = letter.sent_at, letter.pdf
        notice = s.get_one(Notice, letter.notice_id)
        assert letter.state == "sent" and letter.provided_at == accepted
        assert notice.deadline == period_end(accepted, 30) > made + timedelta(days=30)
        assert s.get_one(Case, cid).contest_deadline == notice.deadline
    assert message["Subject"] == f"Notice of a payroll finding: reference {finding}"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf
    # The raw message without its attachment: the reference, never anything about anyone.
    parsed = email.message_from_bytes(sink.raw[0], policy=default)
    outside = b"".join(
        part.as_bytes() for part in parsed.walk()
        if not part.is_multipart() and part.get_content_type() != "application/pdf"
    ) + b"".join(f"{k}: {v}\n".encode() for k, v in parsed.items())  # fmt: skip
    assert finding.encode() in outside
    for value in _personal(world, imported, "VA1"):
        assert value.encode() not in outside, value
    with imported.begin() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "letter"))
        assert list(actions) == ["letter.sent", "letter.sent"]  # handed over, then accepted


def test_print_batch_manifest_and_mailing_date(imported, users, world, tmp_path: Path):
    ana, dee = users["ana"], users["dee"]
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with imported.begin() as s:
        set_recipient(s, ana, "VA1", by_post=True)
    _noticed(imported, cid, ana)
    out = tmp_path / "batch.pdf"
    with imported.begin() as s:
        assert print_batch(s, dee, out) is None  # another agency's letters are not DOD's
    with imported.begin() as s:
        printed = print_batch(s, ana, out)
    assert printed is not None and printed.letters == 1 and printed.pages % 2 == 0
    assert out.read_bytes().startswith(b"%PDF-")
    rows = list(csv.DictReader(printed.manifest_csv.open()))
    ((letter_id, _, state, channel),) = _letters(imported, cid)
    assert (state, channel) == ("printed", "post")
    assert rows[0]["letter_id"] == str(letter_id) and rows[0]["recipient_id"] == "VA1"
    assert rows[0]["first_page"] == "1" and rows[0]["kind"] == "notice"
    assert json.loads(printed.manifest_json.read_text())["letters"][0]["letter_id"] == letter_id
    manifest = printed.manifest_csv.read_text() + printed.manifest_json.read_text()
    for value in _personal(world, imported, "VA1")[:-1]:  # the employee id is the recipient id
        assert value not in manifest, value
    with imported.begin() as s:
        assert print_batch(s, ana, tmp_path / "again.pdf") is None  # printed once
    today = utcnow().date()
    with pytest.raises(CaseError, match="in the future"), imported.begin() as s:
        record.record_mailed(s, letter_id, ana, on=today + timedelta(days=1))
    with pytest.raises(CaseNotFound), imported.begin() as s:
        record.record_mailed(s, letter_id, dee, on=today)
    with pytest.raises(Forbidden), imported.begin() as s:
        record.record_mailed(s, letter_id, users["fin"], on=today)
    with imported.begin() as s:
        assert s.get_one(Case, cid).contest_deadline is None
        record.record_mailed(s, letter_id, ana, on=today)
    with imported.begin() as s:
        deadline = s.get_one(Case, cid).contest_deadline
        assert deadline == datetime.combine(today + timedelta(days=31), datetime.min.time(), UTC)
        events = [e.action for e in s.get_one(Case, cid).events]
        assert events[-2:] == ["letter_printed", "letter_mailed"]
    with pytest.raises(CaseError, match="only a printed letter"), imported.begin() as s:
        record.record_mailed(s, letter_id, ana, on=today)
    # Not before the mailing date + 30 days: no "not contested", no adverse determination.
    with pytest.raises(CaseError, match="only be recorded after"), imported.begin() as s:
        workflow.record_no_contest(s, cid, ana, now=deadline - timedelta(seconds=1))


def test_bounce_and_refusal_move_a_letter_to_post(imported, users, tmp_path: Path, mail_server):
    ana = users["ana"]
    one = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    _noticed(imported, one, ana)
    sink, port = mail_server
    sink.refuse["va1@agency.example.gov"] = [550, 1]
    done = send_letters(imported, SmtpSettings(host="127.0.0.1", port=port), ana)
    assert done.to_post == [_letters(imported, one)[0][0]] and sink.messages == []
    with imported.begin() as s:
        assert s.scalars(select(Person.by_post).where(Person.employee_id == "VA1")).one()
        printed = print_batch(s, ana, tmp_path / "b.pdf")
        assert printed is not None and printed.letters == 1
    # An email accepted, then bounced: the period stops until the letter is mailed.
    two = case_id(imported, "DUPLICATE_PAYMENT", "VA2")
    _noticed(imported, two, ana)
    (letter_id,) = emailed(imported, two, utcnow())
    with imported.begin() as s:
        assert s.get_one(Case, two).contest_deadline is not None
        record.record_bounce(s, letter_id, ana)
    with imported.begin() as s:
        assert s.get_one(Case, two).contest_deadline is None
        again = print_batch(s, ana, tmp_path / "c.pdf")
        assert again is not None and again.letters == 1


def test_decision_letters_are_stored_and_debt_notice_periods_count_from_delivery(
    imported, users, login
):
    ana, fin = users["ana"], users["fin"]
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    made = utcnow() - timedelta(days=40)
    _noticed(imported, cid, ana, now=made)
    emailed(imported, cid, made)
    with imported.begin() as s:
        deadline = s.get_one(Case, cid).contest_deadline
        workflow.record_no_contest(s, cid, ana, now=deadline)
        determinations.determine(
            s, cid, ana, outcome="improper_overpayment", cause="administrative_error_agency",
            overpayment="500.00", reason="paid after separation",
        )  # fmt: skip
    kinds = [(k, st) for _, k, st, _ in _letters(imported, cid)]
    assert kinds == [("notice", "sent"), ("decision", "queued")]
    with imported.begin() as s:
        decision = s.scalars(select(Letter).where(Letter.kind == "decision")).one()
        assert decision.pdf.startswith(b"%PDF-") and "you were overpaid" in decision.html
        stored, notice_id = decision.pdf, s.get_one(Case, cid).notices[0].id
    served = login("ana").get(f"/cases/{cid}/notices/{notice_id}/decision")
    assert served.status_code == 200 and served.content == stored  # the letter as sent
    with imported.begin() as s:
        debt_id = s.scalars(select(Debt.id).where(Debt.case_id == cid)).one()
        ledger.send_notice(s, debt_id, fin, now=utcnow() - timedelta(days=200))
    with pytest.raises(CaseError, match="not been delivered"), imported.begin() as s:
        ledger.refer(s, debt_id, fin)
    with pytest.raises(CaseError, match="not been delivered"), imported.begin() as s:
        ledger.offset(s, debt_id, fin, disposable_pay="2000", pay_period_end=date(2026, 11, 28))
    delivered = utcnow() - timedelta(days=10)
    emailed(imported, cid, delivered, kind="debt_notice")
    with imported.begin() as s:
        debt = s.get_one(Debt, debt_id)
        assert debt.payment_due == delivered.date() + timedelta(days=30)
    with pytest.raises(CaseError, match="may start"), imported.begin() as s:
        ledger.offset(s, debt_id, fin, disposable_pay="2000", pay_period_end=date(2026, 11, 28))


def test_a_lead_dismissed_before_any_notice_writes_to_nobody(imported, users):
    """Nobody was told of the finding, so nobody gets a letter closing it; once a notice
    went out, the dismissal is written to the person it was sent to."""
    ana = users["ana"]
    quiet = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    told = case_id(imported, "DUPLICATE_PAYMENT", "VA2")
    _noticed(imported, told, ana)
    with imported.begin() as s:
        determinations.dismiss(s, quiet, ana, reason="separation was rescinded")
        determinations.dismiss(s, told, ana, reason="the second payment was a correction")
    assert _letters(imported, quiet) == []
    assert [(k, st) for _, k, st, _ in _letters(imported, told)] == [
        ("notice", "queued"),
        ("decision", "queued"),
    ]


def test_notices_sent_before_0008_keep_their_deadlines(database_url):
    """Revision 0008: a notice sent before delivery was recorded counts from its sending, as
    it did; its case keeps its deadline, and people gain no address they did not have."""
    from sqlalchemy import text

    from headcount.migrations import upgrade

    db = Store.open(database_url)
    try:
        upgrade(db, "0007")
        with db.engine.begin() as c:
            c.execute(text(
                "INSERT INTO people (employee_id, name, agency, evidence_for) "
                "VALUES ('E1', 'n', 'VA', '')"
            ))  # fmt: skip
            c.execute(text(
                "INSERT INTO cases (finding_id, rule, severity, amount_at_risk, summary, evidence,"
                " source, state, created_at, updated_at, notice_sent_at, contest_deadline)"
                " VALUES ('HC-1', 'PAID_AFTER_DEATH', 'high', 1, 's', '{}', 'r', 'notice_sent',"
                " '2026-01-01', '2026-01-01', '2026-01-02 10:00:00', '2026-02-01 10:00:00')"
            ))  # fmt: skip
            c.execute(text(
                "INSERT INTO notices (case_id, person_id, sent_at, deadline, html, pdf) VALUES"
                " (1, 1, '2026-01-02 10:00:00', '2026-02-01 10:00:00', 'h', :pdf)"
            ), {"pdf": b"%PDF-"})  # fmt: skip
        upgrade(db)
        with db.begin() as s:
            notice = s.get_one(Notice, 1)
            assert notice.delivered_at == notice.sent_at
            assert s.get_one(Case, 1).contest_deadline == datetime(2026, 2, 1, 10, tzinfo=UTC)
            person = s.get_one(Person, 1)
            assert (person.email, person.by_post) == (None, False)
            assert s.scalars(select(Letter)).all() == []
    finally:
        db.close()
