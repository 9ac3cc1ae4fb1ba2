"""Email out through a real SMTP server in-process: the MIME received, links, failures."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from smtp_sink import smtp_server
from sqlalchemy import func, select

from headcount.checkins.campaigns import create_campaign
from headcount.checkins.links import LINK_PATH, LinkError, Signer, read_token, redeem
from headcount.checkins.mail_out import (
    MAX_ATTEMPTS,
    SmtpSettings,
    send_invitations,
    send_reminders,
)
from headcount.checkins.models import Campaign, Delivery, Link, Recipient, Reply
from headcount.checkins.policy import NO_CONSEQUENCE
from headcount.contract.policy import Policy
from headcount.store import Store, utcnow

BASE = "https://checkin.example.gov"


def _campaign(store: Store, roster: Path) -> None:
    create_campaign(
        store,
        "wk8",
        roster,
        deadline=utcnow() + timedelta(days=3),
        policies={"VA": Policy.MANDATORY, "DOD": Policy.EXEMPT},
        contact_email="hr@agency.example.gov",
    )


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def _token(message: EmailMessage) -> str:
    text, _ = _parts(message)
    line = next(x for x in text.splitlines() if x.startswith(BASE + LINK_PATH))
    return line.removeprefix(BASE + LINK_PATH)


def test_invitations_go_to_everyone_asked_and_nobody_exempt(
    store: Store, roster: Path, signer: Signer
) -> None:
    _campaign(store, roster)
    with smtp_server() as (sink, port, _):
        settings = SmtpSettings(host="127.0.0.1", port=port, sender="hr@agency.example.gov")
        report = send_invitations(store, "wk8", settings, signer, BASE)
        assert report.sent == 4 and report.failed == 0
        # Sending again invites nobody twice.
        assert send_invitations(store, "wk8", settings, signer, BASE).sent == 0
    addressed = sorted(r for rs in sink.recipients for r in rs)
    assert addressed == sorted([f"{e}@agency.example.gov" for e in ("va1", "va2", "va3", "gsa1")])
    assert not any("dod" in a for a in addressed)  # exempt agency: never contacted
    with store.begin() as s:
        campaign = s.get(Campaign, "wk8")
        assert campaign is not None and campaign.sent_at is not None


@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelined"])
def test_the_message_is_multipart_alternative_with_policy_deadline_and_link(
    store: Store, roster: Path, signer: Signer, pipelining: bool
) -> None:
    _campaign(store, roster)
    with smtp_server(pipelining=pipelining) as (sink, port, _):
        send_invitations(store, "wk8", SmtpSettings(host="127.0.0.1", port=port), signer, BASE)
    (va,) = sink.to("va1@agency.example.gov")
    (gsa,) = sink.to("gsa1@agency.example.gov")
    assert va.get_content_type() == "multipart/alternative"
    assert va["Subject"] == "What did you accomplish last week?"
    assert va["Message-ID"].startswith("<hc.")
    text, html = _parts(va)
    assert "Your agency (VA) has asked all of its staff to reply" in text
    assert "Replying is voluntary" in _parts(gsa)[0]
    for body in (text, " ".join(html.split())):
        assert NO_CONSEQUENCE.split(":")[0] in body
        assert "You can reply until" in body
    assert "hr@agency.example.gov" in text
    # The link is signed for that employee, expires at the deadline, and works once.
    token = _token(va)
    assert f'href="{BASE}{LINK_PATH}{token}"' in html
    claims = read_token(signer, token)
    with store.begin() as s:
        recipient = s.get(Recipient, claims.recipient_id)
        assert recipient is not None and recipient.employee_id == "VA1"
        campaign = s.get(Campaign, "wk8")
        assert campaign is not None and claims.expires_at == campaign.deadline.replace(
            microsecond=0
        )
        redeem(s, signer, token)
    with pytest.raises(LinkError, match="already been used"), store.begin() as s:
        redeem(s, signer, token)


def test_a_forged_or_altered_link_is_refused(store: Store, roster: Path, signer: Signer) -> None:
    _campaign(store, roster)
    with smtp_server() as (sink, port, _):
        send_invitations(store, "wk8", SmtpSettings(host="127.0.0.1", port=port), signer, BASE)
    token = _token(sink.messages[0])
    other = Signer(b"another-secret-" + b"x" * 40)
    with pytest.raises(LinkError, match="not valid"):
        read_token(signer, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(LinkError, match="not valid"):
        read_token(signer, other.dumps([1, "j", 2_000_000_000]))
    with pytest.raises(LinkError, match="expired"):
        read_token(signer, signer.dumps([1, "j", 1_000_000_000]))


def _states(store: Store) -> dict[str, tuple[str, int, str | None, str | None]]:
    with store.begin() as s:
        return {
            r.employee_id: (d.status, d.attempts, d.last_error, r.reach)
            for d, r in s.execute(select(Delivery, Recipient).join(Recipient))
        }


@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelined"])
def test_failures_are_recorded_retried_and_never_name_the_address(
    store: Store, roster: Path, signer: Signer, caplog: pytest.LogCaptureFixture, pipelining: bool
) -> None:
    _campaign(store, roster)
    with smtp_server(pipelining=pipelining) as (sink, port, _):
        sink.refuse["va2@agency.example.gov"] = [550, 99]  # permanent: a hard bounce
        sink.refuse["va3@agency.example.gov"] = [451, 1]  # temporary: retried, then delivered
        sink.refuse["gsa1@agency.example.gov"] = [421, 3]  # temporary all run: deferred
        settings = SmtpSettings(host="127.0.0.1", port=port)
        report = send_invitations(store, "wk8", settings, signer, BASE)
        assert (report.sent, report.failed, report.bounced) == (2, 1, 1)
        assert report.errors == {"recipient refused (550)": 1, "recipient refused (421)": 1}
        rows = _states(store)
        assert rows["VA2"] == ("bounced_hard", 1, "recipient refused (550)", "bounced_hard")
        assert rows["VA3"] == ("sent", 2, None, "sent")
        assert rows["GSA1"] == ("deferred", 3, "recipient refused (421)", "deferred")
        # The next run retries the deferred delivery; the hard bounce is never retried.
        report = send_invitations(store, "wk8", settings, signer, BASE)
        assert (report.sent, report.failed, report.suppressed) == (1, 0, 1)
        assert send_reminders(store, "wk8", settings, signer, BASE).sent == 3  # not VA2
    assert sink.to("va2@agency.example.gov") == []
    assert len(sink.to("gsa1@agency.example.gov")) == 2  # the invitation and a reminder
    assert "va2@" not in caplog.text and "gsa1@" not in caplog.text


def test_temporary_failures_become_a_soft_bounce_after_the_last_attempt(
    store: Store, roster: Path, signer: Signer
) -> None:
    _campaign(store, roster)
    with smtp_server() as (sink, port, _):
        sink.refuse["va1@agency.example.gov"] = [452, 99]
        settings = SmtpSettings(host="127.0.0.1", port=port)
        first = send_invitations(store, "wk8", settings, signer, BASE)
        second = send_invitations(store, "wk8", settings, signer, BASE)
        assert (first.failed, second.failed, second.bounced) == (1, 0, 1)
        assert send_invitations(store, "wk8", settings, signer, BASE).sent == 0
    assert _states(store)["VA1"][:2] == ("bounced_soft", MAX_ATTEMPTS + 1)


def test_an_unreachable_server_is_a_recorded_failure(
    store: Store, roster: Path, signer: Signer
) -> None:
    from smtp_sink import free_port

    _campaign(store, roster)
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)
    report = send_invitations(store, "wk8", settings, signer, BASE)
    assert report.failed == 4 and report.errors == {"ConnectionRefusedError": 4}


def test_reminders_go_only_to_invited_people_who_have_not_replied(
    store: Store, roster: Path, signer: Signer
) -> None:
    _campaign(store, roster)
    with smtp_server() as (sink, port, _):
        settings = SmtpSettings(host="127.0.0.1", port=port)
        send_invitations(store, "wk8", settings, signer, BASE)
        with store.begin() as s:
            va1 = s.scalars(select(Recipient).where(Recipient.employee_id == "VA1")).one()
            s.add(Reply(recipient_id=va1.id, text="done", source="web"))
        assert send_reminders(store, "wk8", settings, signer, BASE).sent == 3
    reminders = [m for m in sink.messages if m["Subject"].startswith("Reminder: ")]
    assert sorted(m["To"] for m in reminders) == [
        "gsa1@agency.example.gov",
        "va2@agency.example.gov",
        "va3@agency.example.gov",
    ]
    text, _ = _parts(reminders[0])
    assert "reminder" in text and NO_CONSEQUENCE.split(":")[0] in text
    with store.begin() as s:  # each reminder carries its own new link
        assert s.scalar(select(func.count()).select_from(Link)) == 7


def test_starttls_and_auth(tmp_path: Path, store: Store, roster: Path, signer: Signer) -> None:
    _campaign(store, roster)
    with smtp_server(tls_folder=tmp_path, credentials=("hr", "pw")) as (sink, port, ca):
        plain = SmtpSettings(host="127.0.0.1", port=port, timeout=5)
        assert send_invitations(store, "wk8", plain, signer, BASE).sent == 0  # TLS required
        wrong = SmtpSettings(
            host="127.0.0.1", port=port, starttls=True, ca_file=str(ca),
            username="hr", password="nope",
        )  # fmt: skip
        assert send_invitations(store, "wk8", wrong, signer, BASE).errors == {
            "SMTPAuthenticationError 535": 4
        }
        good = SmtpSettings(
            host="127.0.0.1", port=port, starttls=True, ca_file=str(ca),
            username="hr", password="pw",
        )  # fmt: skip
        assert send_invitations(store, "wk8", good, signer, BASE).sent == 4
    assert len(sink.messages) == 4


def test_link_and_reference_tokens_are_what_itsdangerous_signs(signer: Signer) -> None:
    """The send loop signs without itsdangerous (its per-token zlib and HMAC set-up cost
    more than the rest of the message): the tokens must be the same bytes."""
    for value in ([1, "abcdefghijklmnop", 1_767_225_600], [2_400_000, 9_999_999], [7, "é", 0]):
        token = signer.dumps(value)
        assert token == signer._serializer.dumps(value)
        assert signer.loads(token) == value


def test_a_lost_reply_to_the_final_dot_is_not_sent_again(
    store: Store, roster: Path, signer: Signer
) -> None:
    """The server may have taken a message whose dot it never answered: it stays `sending`
    (never retried, never resent) rather than deferred."""
    _campaign(store, roster)
    with smtp_server() as (sink, port, _):
        original = sink.handle_DATA

        async def drop_after_dot(server: Any, session: Any, envelope: Any) -> str:
            await original(server, session, envelope)
            if "va2@agency.example.gov" in envelope.rcpt_tos:
                server.transport.close()  # the message is in, the reply lost
            return "250 Message accepted"

        sink.handle_DATA = drop_after_dot  # type: ignore[method-assign]
        settings = SmtpSettings(host="127.0.0.1", port=port, connections=1)
        report = send_invitations(store, "wk8", settings, signer, BASE)
        assert (report.sent, report.in_flight, report.failed) == (3, 1, 0)
        assert send_invitations(store, "wk8", settings, signer, BASE).sent == 0
    assert len(sink.to("va2@agency.example.gov")) == 1
    assert _states(store)["VA2"][0] == "sending"
