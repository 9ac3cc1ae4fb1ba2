"""The person's side: the signed notice link, the contest form's limits (size, number and
type of attachments, CSRF), attachments served only as downloads, links that are forged,
for a check-in, or expired."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from casekit import SECRET, case_id, csrf_of, matched, notice_token
from sqlalchemy import select

from headcount.cases import notices, workflow
from headcount.cases.contests import MAX_FILE_BYTES
from headcount.cases.held import HOLD_FOR, held_files
from headcount.cases.models import Attachment, Case, HeldUpload, Notice
from headcount.checkins.links import LinkError, Signer
from headcount.store import Store

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def noticed(imported: Store, users) -> tuple[int, str]:
    """VA1's case verified and noticed: (case id, the link token from the letter)."""
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with imported.begin() as s:
        workflow.verify(s, cid, users["ana"], source="HR")
        notices.send_notice(s, cid, users["ana"], signer=notices.contest_signer(SECRET),
                            base_url="https://hc.example.gov")  # fmt: skip
        html = s.scalars(select(Notice.html).where(Notice.case_id == cid)).one()
    code = matched(r"https://hc\.example\.gov/n/(\d+-[a-z2-7]{12})<", html)
    return cid, notice_token(imported, int(code.split("-")[0]))


def _post(client, token: str, statement: str, files: list[tuple[str, bytes]], csrf=True):
    page = client.get(f"/notice/{token}")
    data = {"statement": statement}
    if csrf:
        data["csrf_token"] = csrf_of(page.text)
    upload = [("attachments", (name, body, "application/octet-stream")) for name, body in files]
    return client.post(f"/notice/{token}/contest", data=data, files=upload or None,
                       follow_redirects=False)  # fmt: skip


@pytest.fixture
def person(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as client:
        yield client


def test_contest_with_attachments_then_download(imported, noticed, person, login) -> None:
    cid, token = noticed
    page = person.get(f"/notice/{token}")
    assert page.status_code == 200 and "Contest this finding" in page.text
    assert person.get(f"/notice/{token}/pdf").content.startswith(b"%PDF-")
    sent = _post(person, token, "I was on leave; see the letter.",
                 [("../../etc/passwd.pdf", PDF), ("note.txt", b"leave approved 2025-03-01")])  # fmt: skip
    assert sent.status_code == 303
    with imported.begin() as s:
        assert s.get(Case, cid).state == "contested"
        files = s.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [(f.filename, f.content_type) for f in files] == [
            ("passwd.pdf", "application/pdf"), ("note.txt", "text/plain"),
        ]  # fmt: skip
        first = files[0].id
    got = login("ana").get(f"/cases/{cid}/attachments/{first}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("x.exe", b"MZ\x90\x00\x03\x00\x00\x00")], "not a PDF, PNG, JPEG or plain-text"),
        ([("a.html", b"\x00<script>")], "not a PDF"),
        ([(f"f{n}.txt", b"x") for n in range(6)], "at most 5 documents can be sent"),
        ([("big.pdf", b"%PDF-" + b"0" * MAX_FILE_BYTES)], "larger than 5 MB"),
        ([("empty.pdf", b"")], "is empty"),
    ],
)
def test_attachment_limits(imported, noticed, person, files, message) -> None:
    cid, token = noticed
    refused = _post(person, token, "statement", files)
    assert refused.status_code == 422 and message in refused.text
    with imported.begin() as s:
        assert s.get(Case, cid).state == "notice_sent"
        assert s.scalars(select(Attachment)).first() is None
        held = s.scalars(select(HeldUpload)).all()  # only files that pass are held
        assert len(held) == (5 if len(files) == 6 else 0)
    if len(files) == 6:  # five held: the form says no more fit rather than "up to 5 files"
        hint = matched(r'id="attachments-hint">([^<]+)<', refused.text)
        assert hint.startswith("No more files: 5 is the most a contest can carry; remove one")


def test_contest_form_needs_csrf_and_refuses_an_ssn(imported, noticed, person, world) -> None:
    cid, token = noticed
    assert _post(person, token, "no token", [], csrf=False).status_code == 403
    refused = _post(person, token, f"my SSN is {world.ssns['VA1']}", [])
    assert refused.status_code == 422 and "personal data" in refused.text
    with imported.begin() as s:
        assert s.get(Case, cid).state == "notice_sent"


def test_forged_expired_and_check_in_links_are_refused(imported, noticed, person) -> None:
    cid, token = noticed
    assert person.get(f"/notice/{token[:-2]}xx").status_code == 400
    assert person.get("/n/1-aaaaaaaaaaaa").status_code == 400  # a forged short link
    check_in_style = Signer(SECRET).dumps([1, 2])  # signed, but for check-in links
    assert person.get(f"/notice/{check_in_style}").status_code == 400
    with imported.begin() as s:
        notice = s.scalars(select(Notice).where(Notice.case_id == cid)).one()
        with pytest.raises(LinkError, match="expired"):
            notices.notice_for_token(
                s, notices.contest_signer(SECRET), token,
                now=notice.deadline + notices.READ_GRACE + timedelta(seconds=1),
            )  # fmt: skip


def _held(db: Store) -> list[str]:
    with db.begin() as s:
        return list(s.scalars(select(HeldUpload.filename).order_by(HeldUpload.id)))


def test_refused_contest_keeps_the_good_files(imported, noticed, person) -> None:
    """No statement, one good file and one bad: the good one is held and listed with a
    remove button, the bad one is named next to the field; sending then takes the held one."""
    cid, token = noticed
    refused = _post(person, token, "", [("leave.pdf", PDF), ("x.exe", b"MZ\x90\x00")])
    assert refused.status_code == 422
    assert "Your statement is required." in refused.text
    assert "x.exe is not a PDF, PNG, JPEG or plain-text file." in refused.text
    assert _held(imported) == ["leave.pdf"]
    page = person.get(f"/notice/{token}").text
    assert "Documents kept for this contest" in page
    hint = matched(r'id="attachments-hint">([^<]+)<', page)
    assert hint == "Up to 4 more files (PDF, PNG, JPEG or plain text), each at most 5 MB."
    held_id = matched(r'name="remove" value="(\d+)"', page)
    assert token not in matched(r'(<ul[^>]*aria-labelledby="held-heading".*?</ul>)', page,
                                flags=re.S)  # fmt: skip
    sent = _post(person, token, "I was on approved leave.", [("more.txt", b"leave form")])
    assert sent.status_code == 303
    with imported.begin() as s:
        assert s.get(Case, cid).state == "contested"
        names = s.scalars(select(Attachment.filename).order_by(Attachment.id)).all()
        assert names == ["leave.pdf", "more.txt"]
    assert _held(imported) == []  # removed once the contest is stored
    assert int(held_id) > 0


def test_a_held_file_can_be_removed_and_only_by_its_notice(imported, noticed, person) -> None:
    _, token = noticed
    _post(person, token, "", [("a.pdf", PDF), ("b.txt", b"second")])
    page = person.get(f"/notice/{token}")
    ids = re.findall(r'name="remove" value="(\d+)"', page.text)
    assert len(ids) == 2
    removed = person.post(
        f"/notice/{token}/contest",
        data={"csrf_token": csrf_of(page.text), "statement": "typed so far", "remove": ids[0]},
    )
    assert removed.status_code == 200
    assert "a.pdf was removed. Your contest has not been sent yet" in removed.text
    assert "typed so far</textarea>" in removed.text  # the statement is kept
    assert _held(imported) == ["b.txt"]
    again = person.post(
        f"/notice/{token}/contest",
        data={"csrf_token": csrf_of(removed.text), "remove": str(int(ids[1]) + 1000)},
    )
    assert again.status_code == 200 and "That document was removed" in again.text
    assert _held(imported) == ["b.txt"]


def test_held_files_expire(imported, noticed, person) -> None:
    _, token = noticed
    _post(person, token, "", [("a.pdf", PDF)])
    with imported.begin() as s:
        notice = s.scalars(select(Notice)).one()
        row = s.scalars(select(HeldUpload)).one()
        assert row.expires_at <= min(row.held_at + HOLD_FOR, notice.deadline)
        assert held_files(s, notice, now=row.expires_at) == []
    assert _held(imported) == []


def test_purge_removes_expired_held_files(imported, noticed, person) -> None:
    from headcount.cases.retention import purge

    _, token = noticed
    _post(person, token, "", [("a.pdf", PDF)])
    with imported.begin() as s:
        expires = s.scalars(select(HeldUpload.expires_at)).one()
    assert purge(imported, actor="t", now=expires - timedelta(seconds=1)).held_files == 0
    assert purge(imported, actor="t", now=expires, dry_run=True).held_files == 1
    assert _held(imported) == ["a.pdf"]
    assert purge(imported, actor="t", now=expires).held_files == 1
    assert _held(imported) == []
