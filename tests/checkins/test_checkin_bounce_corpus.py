"""The corpus of bounces, complaints, automatic replies and quote-only replies
(fixtures/mail, written from each system's documented format) through `ingest-mail`: none
is stored as a reply, every bounce is recorded against the person it is about, and those
who bounced hard or complained get no reminder."""

from __future__ import annotations

import mailbox
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from smtp_sink import smtp_server
from sqlalchemy import func, select

from checkins.conftest import SECRET
from headcount.checkins.campaigns import create_campaign
from headcount.checkins.links import Signer
from headcount.checkins.mail_in import ingest_mailbox
from headcount.checkins.mail_kind import Kind, classify
from headcount.checkins.mail_out import SmtpSettings, send_invitations, send_reminders
from headcount.checkins.models import Delivery, Recipient, Reply
from headcount.checkins.stats import response_rates
from headcount.contract.policy import Policy
from headcount.store import Store, utcnow

CORPUS = Path(__file__).parent / "fixtures" / "mail"
BASE = "https://hc.example.gov"
# fixture -> (the person it is about, outcome, invitation's state, person's reach)
EXPECTED = {
    "exchange_ndr": ("E01", "bounce: bounced_hard", "bounced_hard", "bounced_hard"),
    "gmail_dsn": ("E02", "bounce: bounced_hard", "bounced_hard", "bounced_hard"),
    "postfix_bounce": ("E03", "bounce: bounced_hard", "bounced_hard", "bounced_hard"),
    "exim_bounce": ("E04", "bounce: bounced_hard", "bounced_hard", "bounced_hard"),
    "sendmail_dsn": ("E05", "bounce: bounced_hard", "bounced_hard", "bounced_hard"),
    "lotus_notes": ("E06", "bounce: bounced_hard", "bounced_hard", "bounced_hard"),
    "postfix_mailbox_full": ("E07", "bounce: bounced_soft", "bounced_soft", "bounced_soft"),
    "postfix_delayed": ("E08", "bounce: deferred", "sent", "deferred"),
    "arf_complaint": ("E09", "complaint: complained", "complained", "complained"),
    "exchange_ooo": ("E10", "automatic reply (ignored)", "sent", "sent"),
    "gmail_vacation": ("E11", "automatic reply (ignored)", "sent", "sent"),
    "x_autoreply": ("E12", "automatic reply (ignored)", "sent", "sent"),
    "vacation_precedence_junk": ("E13", "automatic reply (ignored)", "sent", "sent"),
    "precedence_auto_reply": ("E14", "automatic reply (ignored)", "sent", "sent"),
    "lotus_ooo": ("E15", "automatic reply (ignored)", "sent", "sent"),
    "outlook_ooo_subject_only": ("E16", "automatic reply (ignored)", "sent", "sent"),
    "quote_only_marked": ("E17", "quoted only (ignored)", "sent", "sent"),
    "quote_only_outlook": ("E18", "quoted only (ignored)", "sent", "sent"),
    "quote_only_unmarked": ("E19", "quoted only (ignored)", "sent", "sent"),
    "quote_only_html": ("E20", "quoted only (ignored)", "sent", "sent"),
    "real_reply": ("E21", "accepted", "sent", "sent"),
}
SUPPRESSED = {"E01", "E02", "E03", "E04", "E05", "E06", "E09"}


@pytest.fixture
def invitations(store: Store, tmp_path: Path) -> dict[str, EmailMessage]:
    from builders import Agency

    agency = Agency(tmp_path / "agency")
    for n in range(1, 23):
        agency.employee(f"E{n:02d}", agency="VA")
    create_campaign(
        store, "wk8", agency.write(), deadline=utcnow() + timedelta(days=2),
        policies={"VA": Policy.MANDATORY},
    )  # fmt: skip
    with smtp_server() as (sink, port, _):
        settings = SmtpSettings(host="127.0.0.1", port=port, sender="checkins@agency.example.gov")
        assert send_invitations(store, "wk8", settings, Signer(SECRET), BASE).sent == 22
    return {str(m["To"]).split("@")[0].upper(): m for m in sink.messages}


def fill(template: str, invite: EmailMessage) -> bytes:
    """The fixture with the placeholders replaced from the invitation sent to that person."""
    original = invite.as_bytes(policy=SMTP).decode().replace("\r\n", "\n")
    body = invite.get_body(("plain",))
    assert body is not None
    text = str(body.get_content()).rstrip("\n")
    values = {
        "{{TO}}": str(invite["To"]),
        "{{MSGID}}": str(invite["Message-ID"]).strip(),
        "{{SUBJECT}}": str(invite["Subject"]),
        "{{ORIGINAL}}": original,
        "{{HEADERS}}": original.split("\n\n", 1)[0] + "\n",
        "{{QUOTED}}": "\n".join(f"> {line}".rstrip() for line in text.splitlines()),
        "{{TEXT}}": text,
    }
    for key, value in values.items():
        template = template.replace(key, value)
    return template.encode()


def _corpus(tmp_path: Path, invitations: dict[str, EmailMessage]) -> Path:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name, (employee, *_) in EXPECTED.items():
        box.add(fill((CORPUS / f"{name}.eml").read_text(), invitations[employee]))
    box.close()
    return tmp_path / "Maildir"


def test_every_fixture_is_classified_as_what_it_is(invitations: dict[str, EmailMessage]) -> None:
    kinds = {
        name: classify(fill((CORPUS / f"{name}.eml").read_text(), invitations[e])).kind
        for name, (e, *_) in EXPECTED.items()
    }
    assert {n for n, k in kinds.items() if k is Kind.BOUNCE} == {
        n for n, (_, outcome, *_) in EXPECTED.items() if outcome.startswith("bounce")
    }
    assert kinds["arf_complaint"] is Kind.COMPLAINT
    assert {n for n, k in kinds.items() if k is Kind.AUTO_REPLY} == {
        n for n, (_, outcome, *_) in EXPECTED.items() if outcome.startswith("automatic")
    }
    assert {n for n, k in kinds.items() if k is Kind.REPLY} == {
        n for n in EXPECTED if n.startswith(("quote_only", "real"))
    }
    assert set(EXPECTED) == {p.stem for p in CORPUS.glob("*.eml")}  # no fixture left out


def test_the_corpus_through_ingest_mail_stores_no_reply_and_records_every_bounce(
    store: Store, invitations: dict[str, EmailMessage], tmp_path: Path
) -> None:
    box = _corpus(tmp_path, invitations)
    report = ingest_mailbox(store, "wk8", box, SECRET)
    expected_outcomes: dict[str, int] = {}
    for _, outcome, *_ in EXPECTED.values():
        expected_outcomes[outcome] = expected_outcomes.get(outcome, 0) + 1
    assert dict(report.outcomes) == expected_outcomes
    with store.begin() as s:
        replies = s.execute(select(Recipient.employee_id).join(Reply)).scalars().all()
        states = {
            r.employee_id: (d.status, r.reach, d.bounced_at is not None)
            for d, r in s.execute(select(Delivery, Recipient).join(Recipient))
        }
    assert replies == ["E21"]  # the one real reply; nothing else stored as one
    for name, (employee, outcome, status, reach) in EXPECTED.items():
        bounced = outcome.startswith(("bounce: bounced", "complaint"))
        assert states[employee] == (status, reach, bounced), name
    assert states["E22"] == ("sent", "sent", False)  # nobody wrote about E22
    with store.begin() as s:
        overall = response_rates(s, "wk8").overall
    # 6 hard, 1 soft bounce and 1 still delayed are not reached; the complaint was.
    assert (overall.emailed, overall.delivered, overall.not_reached) == (22, 14, 8)
    assert (overall.reached, overall.replied, overall.rate) == (14, 1, 1 / 14)


def test_hard_bounces_and_complaints_get_no_reminder(
    store: Store, invitations: dict[str, EmailMessage], tmp_path: Path
) -> None:
    ingest_mailbox(store, "wk8", _corpus(tmp_path, invitations), SECRET)
    with smtp_server() as (sink, port, _):
        report = send_reminders(
            store, "wk8", SmtpSettings(host="127.0.0.1", port=port), Signer(SECRET), BASE
        )
    reminded = {str(m["To"]).split("@")[0].upper() for m in sink.messages}
    assert not reminded & SUPPRESSED
    # E07 (soft bounce) is not reminded either: its invitation never arrived. E21 replied.
    assert reminded == {f"E{n:02d}" for n in range(8, 23)} - {"E09", "E21"}
    assert report.suppressed == len(SUPPRESSED)
    with store.begin() as s:
        assert s.scalar(select(func.count()).select_from(Reply)) == 1


def test_a_bounce_without_our_message_id_is_matched_by_its_address(
    store: Store, invitations: dict[str, EmailMessage], tmp_path: Path
) -> None:
    # An Exim bounce that returned only the body: the failed address is all there is.
    template = (CORPUS / "exim_bounce.eml").read_text()
    template = template.replace("References: {{MSGID}}\n", "").replace(
        "{{ORIGINAL}}", "(message body not returned)"
    )
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(fill(template, invitations["E04"]))
    box.close()
    report = ingest_mailbox(store, "wk8", tmp_path / "Maildir", SECRET)
    assert dict(report.outcomes) == {"bounce: bounced_hard": 1}
    with store.begin() as s:
        reach = s.scalar(select(Recipient.reach).where(Recipient.employee_id == "E04"))
    assert reach == "bounced_hard"
