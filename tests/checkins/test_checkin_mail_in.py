"""Replies by email: real-world MIME from a Maildir or an mbox, matched by reference, token
or address; quoted history and signatures stripped; the guard applies; runs are idempotent."""

from __future__ import annotations

import mailbox
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from smtp_sink import smtp_server
from sqlalchemy import select

from checkins.conftest import SECRET
from headcount.checkins.campaigns import create_campaign
from headcount.checkins.links import Signer
from headcount.checkins.mail_in import delete_messages, ingest_mailbox
from headcount.checkins.mail_out import SmtpSettings, send_invitations
from headcount.checkins.mail_text import bullets_from, html_to_text
from headcount.checkins.models import Recipient, Reply
from headcount.contract.policy import Policy
from headcount.store import Store, utcnow

BASE = "https://hc.example.gov"


@pytest.fixture
def invitations(store: Store, roster: Path) -> dict[str, EmailMessage]:
    create_campaign(
        store, "wk8", roster, deadline=utcnow() + timedelta(days=2),
        policies={"DOD": Policy.EXEMPT},
    )  # fmt: skip
    with smtp_server() as (sink, port, _):
        send_invitations(
            store, "wk8", SmtpSettings(host="127.0.0.1", port=port), Signer(SECRET), BASE
        )
    return {str(m["To"]).split("@")[0].upper(): m for m in sink.messages}


def _reply_to(original: EmailMessage, sender: str) -> EmailMessage:
    reply = EmailMessage()
    reply["From"] = f"Someone <{sender}>"
    reply["To"] = "checkins@agency.example.gov"
    reply["Subject"] = "Re: " + str(original["Subject"])
    reply["Message-ID"] = f"<r{abs(hash((sender, str(original['Message-ID']))))}@mail.example>"
    return reply


def _quoted(original: EmailMessage) -> str:
    body = original.get_body(("plain",))
    assert body is not None
    return "\n".join("> " + line for line in str(body.get_content()).splitlines())


def _texts(store: Store) -> dict[str, tuple[str, str]]:
    with store.begin() as s:
        rows = s.execute(select(Recipient.employee_id, Reply.text, Reply.source).join(Reply))
        return {e: (t, src) for e, t, src in rows}


def _maildir(tmp_path: Path, messages: list[EmailMessage]) -> Path:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for m in messages:
        box.add(m)
    box.close()
    return tmp_path / "Maildir"


def multipart_reply(invite: EmailMessage) -> EmailMessage:
    m = _reply_to(invite, "va1@agency.example.gov")
    m["In-Reply-To"] = invite["Message-ID"]
    m["References"] = invite["Message-ID"]
    text = (
        "Hi,\n\n- Closed 12 tickets\n- Reviewed two contracts\n- Trained a colleague\n\n"
        "Thanks\n-- \nJordan Tester\nOffice of Things\n\n"
        f"On Mon, Feb 24, 2025 at 9:00 AM HR <hr@agency.example.gov> wrote:\n{_quoted(invite)}"
    )
    m.set_content(text)
    m.add_alternative(
        "<div><p>Hi,</p><ul><li>Closed 12 tickets</li><li>Reviewed two contracts</li>"
        "<li>Trained a colleague</li></ul></div>", subtype="html",
    )  # fmt: skip
    return m


def html_only_reply(invite: EmailMessage) -> EmailMessage:
    m = _reply_to(invite, "GSA1@Agency.Example.Gov")  # matched by address, any case
    m.set_content(
        "<html><body><div>Migrated the wiki<br>Fixed the &lt;printer&gt; queue<br>"
        'Wrote onboarding notes</div><div id="Signature">Sent from Outlook</div>'
        '<div class="gmail_quote"><blockquote>What did you accomplish? 219-45-6781'
        "</blockquote></div></body></html>",
        subtype="html",
    )
    return m


def _link(invite: EmailMessage) -> str:
    body = invite.get_body(("plain",))
    assert body is not None
    return next(x for x in str(body.get_content()).splitlines() if "/c/" in x)


def token_reply(invite: EmailMessage) -> EmailMessage:
    # Not on the roster, no reference: the link pasted into the new text matches.
    m = _reply_to(invite, "personal.address@example.com")
    m.set_content(
        f"My link: {_link(invite)}\n\n"
        "1. Answered 40 calls\n2. Updated the FAQ\n3. Audited 3 invoices\n\n"
        "-----Original Message-----\nFrom: HR\n" + _quoted(invite)
    )
    return m


def quoted_token_reply(invite: EmailMessage) -> EmailMessage:
    # The token only in the quoted original: never believed (a bounce quotes it too).
    m = _reply_to(invite, "someone.else@example.com")
    m.set_content(
        "1. Answered 40 calls\n2. Updated the FAQ\n3. Audited 3 invoices\n\n"
        "-----Original Message-----\nFrom: HR\n" + _quoted(invite)
    )
    return m


def test_real_world_replies_are_matched_and_stripped(
    store: Store, invitations: dict[str, EmailMessage], tmp_path: Path
) -> None:
    stranger = _reply_to(invitations["VA3"], "stranger@example.com")
    stranger.set_content("- a\n- b\n- c")
    box = _maildir(
        tmp_path,
        [
            multipart_reply(invitations["VA1"]),
            html_only_reply(invitations["GSA1"]),
            token_reply(invitations["VA2"]),
            quoted_token_reply(invitations["VA3"]),
            stranger,
        ],
    )
    report = ingest_mailbox(store, "wk8", box, SECRET)
    assert report.outcomes == {"accepted": 3, "unmatched": 2}
    texts = _texts(store)
    assert texts["VA1"] == (
        "Closed 12 tickets\nReviewed two contracts\nTrained a colleague",
        "email",
    )
    assert (
        texts["GSA1"][0] == "Migrated the wiki\nFixed the <printer> queue\nWrote onboarding notes"
    )
    assert texts["VA2"][0] == "Answered 40 calls\nUpdated the FAQ\nAudited 3 invoices"
    again = ingest_mailbox(store, "wk8", box, SECRET)  # a second run changes nothing
    assert again.outcomes == {"already ingested": 5}


def test_sensitive_email_is_refused_kept_nowhere_and_can_be_deleted(
    store: Store, invitations: dict[str, EmailMessage], tmp_path: Path
) -> None:
    m = _reply_to(invitations["VA1"], "va1@agency.example.gov")
    m.set_content("- Fixed pay for 219-45-6781\n- Filed CUI//SP-PRVCY notes\n- Met the team")
    box = _maildir(tmp_path, [m])
    report = ingest_mailbox(store, "wk8", box, SECRET)
    assert report.outcomes == {"refused: sensitive data": 1}
    assert "Social Security number" in str(report.refusals[0][1])
    assert _texts(store) == {}
    raw = (
        b"".join(p.read_bytes() for p in Path(str(store.engine.url.database)).parent.glob("*.db*"))
        if store.backend == "sqlite"
        else b""
    )
    assert b"219-45-6781" not in raw
    delete_messages(box, report.refused_keys)
    assert len(mailbox.Maildir(box, create=False)) == 0


def test_mbox_and_exempt_and_count_rules(
    store: Store, invitations: dict[str, EmailMessage], tmp_path: Path
) -> None:
    exempt = EmailMessage()
    exempt["From"] = "dod1@agency.example.gov"
    exempt["Message-ID"] = "<dod1@mail.example>"
    exempt.set_content("- a\n- b\n- c")
    short = _reply_to(invitations["VA3"], "va3@agency.example.gov")
    short.set_content("Just one line")
    auto = _reply_to(invitations["VA2"], "va2@agency.example.gov")
    auto["Auto-Submitted"] = "auto-replied"
    auto.set_content("I am out of the office\nback Monday\nregards")
    path = tmp_path / "replies.mbox"
    box = mailbox.mbox(path, create=True)
    for m in (exempt, short, auto):
        box.add(m)
    box.close()
    report = ingest_mailbox(store, "wk8", path, SECRET)
    assert report.outcomes == {
        "refused: exempt": 1,
        "refused: bullet_count": 1,
        "automatic reply (ignored)": 1,
    }
    assert _texts(store) == {}


def test_text_helpers() -> None:
    assert html_to_text("<p>a</p><blockquote>quoted</blockquote><p>b &amp; c</p>").split() == [
        "a", "b", "&", "c",
    ]  # fmt: skip
    assert bullets_from("Hello\n* one\n* two\n• three\nBest, J") == ["one", "two", "three"]
    assert bullets_from("one\ntwo\nthree\n> quoted\nSent from my iPhone\nx") == [
        "one", "two", "three",
    ]  # fmt: skip


def test_refused_senders_are_told_why_at_their_work_address(
    store: Store, invitations: dict[str, EmailMessage], tmp_path: Path
) -> None:
    from headcount.checkins.mail_out import send_refusal_notices

    m = _reply_to(invitations["VA2"], "va2@agency.example.gov")
    m.set_content("- Paid card 4111 1111 1111 1111\n- Met the team\n- Wrote notes")
    report = ingest_mailbox(store, "wk8", _maildir(tmp_path, [m]), SECRET)
    with smtp_server() as (sink, port, _):
        sent = send_refusal_notices(
            store, "wk8", report.refusals, SmtpSettings(host="127.0.0.1", port=port)
        )
    assert sent.sent == 1
    (notice,) = sink.messages
    assert notice["To"] == "va2@agency.example.gov" and notice["Subject"].startswith("Not saved")
    body = str(notice.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert "Bullet 1 appears to contain a payment card number" in body
    assert "4111" not in body
