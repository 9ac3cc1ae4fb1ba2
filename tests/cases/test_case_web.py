"""The case pages through the real app (TestClient): agency scope (IDOR), roles, CSRF on
every form, SQL-injection strings in every filter, stored XSS, the audited reveal, and no
check-in non-response anywhere."""

from __future__ import annotations

import re

import pytest
from casekit import XSS, World, case_id, csrf_of, matched, notice_token
from sqlalchemy import func, select

from headcount.audit import AuditEntry
from headcount.cases.models import Case
from headcount.store import Store
from headcount.web.security import CSRF_COOKIE

STEPS = (
    "verify", "notice", "no-contest", "determine", "dismiss", "close", "exception", "approve",
    "referral", "approve-referral",
)  # fmt: skip
SQLI = (
    "' OR '1'='1",
    "'; DROP TABLE cases; --",
    '" OR 1=1 --',
    "%' UNION SELECT finding_id, summary FROM cases --",
    "VA1') OR ('a'='a",
    "\\'; SELECT pg_sleep(0); --",
    "_%",
)


def _step(client, cid: int, step: str, **fields: str):
    page = client.get(f"/cases/{cid}")
    return client.post(
        f"/cases/{cid}/steps/{step}",
        data={"csrf_token": csrf_of(page.text), **fields},
        follow_redirects=False,
    )


def test_an_analyst_cannot_reach_another_agencys_case(imported: Store, login) -> None:
    dod = case_id(imported, "PAID_AFTER_SEPARATION", "DOD1")
    ana, dee = login("ana"), login("dee")
    assert dee.get(f"/cases/{dod}").status_code == 200
    for path in (f"/cases/{dod}", f"/cases/{dod}/notices/1", f"/cases/{dod}/notices/1/pdf",
                 f"/cases/{dod}/attachments/1"):  # fmt: skip
        assert ana.get(path).status_code == 404, path
    va1 = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    token = csrf_of(ana.get(f"/cases/{va1}").text)
    for step in STEPS:
        answer = ana.post(f"/cases/{dod}/steps/{step}", data={"csrf_token": token})
        assert answer.status_code == 404, step
    answer = ana.post(f"/cases/{dod}/reveal", data={"csrf_token": token, "value_id": "1",
                                                   "reason": "curious about it"})  # fmt: skip
    assert answer.status_code == 404
    assert "DOD1" not in ana.get("/cases").text
    with imported.begin() as s:
        assert s.get_one(Case, dod).state == "open"


def test_roles_at_the_door(imported: Store, login) -> None:
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    for name in ("sup", "emp"):
        client = login(name)
        assert client.get("/cases").status_code == 403
        assert client.get(f"/cases/{cid}").status_code == 403
    auditor = login("aud")
    page = auditor.get(f"/cases/{cid}")
    assert page.status_code == 200 and "Reveal" not in page.text and "Next step" not in page.text
    answer = auditor.post(f"/cases/{cid}/steps/verify",
                          data={"csrf_token": auditor.cookies[CSRF_COOKIE], "source": "HR"})  # fmt: skip
    assert answer.status_code == 403


@pytest.mark.parametrize("step", STEPS)
def test_every_case_form_needs_its_csrf_token(imported: Store, login, step: str) -> None:
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    ana = login("ana")
    ana.get(f"/cases/{cid}")  # the CSRF cookie is set
    fields = {"source": "HR", "amount": "1", "reason": "a reason long enough",
              "justification": "threat", "exception_id": "1"}  # fmt: skip
    for token in (None, "x" * 43):
        data = dict(fields) if token is None else {**fields, "csrf_token": token}
        assert ana.post(f"/cases/{cid}/steps/{step}", data=data).status_code == 403
    data = {"value_id": "1", "reason": "checking the identity"}
    assert ana.post(f"/cases/{cid}/reveal", data=data).status_code == 403
    with imported.begin() as s:
        assert s.get_one(Case, cid).state == "open"
        assert s.scalar(select(func.count()).where(AuditEntry.action == "pii.reveal")) == 0


@pytest.mark.parametrize("field", ["q", "state", "rule", "severity", "agency"])
def test_sql_injection_strings_in_every_filter(imported: Store, login, field: str) -> None:
    ana = login("ana")
    with imported.begin() as s:
        total = s.scalar(select(func.count()).select_from(Case))
    token = csrf_of(ana.get("/cases").text)
    for payload in SQLI:
        page = ana.post("/cases", data={"csrf_token": token, field: payload})
        assert page.status_code == 200
        assert "0 cases." in page.text, (field, payload)
        assert "DOD1" not in page.text
    with imported.begin() as s:  # nothing dropped, nothing changed
        assert s.scalar(select(func.count()).select_from(Case)) == total
    assert "VA1" in ana.post("/cases", data={"csrf_token": token, "q": "va1"}).text


def test_names_sources_and_statements_are_escaped(imported: Store, login, world: World) -> None:
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "XSS1")
    ana = login("ana")
    assert _step(ana, cid, "verify", source=XSS, note=XSS).status_code == 303
    assert _step(ana, cid, "notice").status_code == 303
    page = ana.get(f"/cases/{cid}").text
    assert "<script>" not in page and "onerror=alert" not in page.replace(
        "onerror=alert(1)&gt;", ""
    )
    assert "&lt;script&gt;alert(" in page
    token = _notice_token(imported, cid)
    contest = ana.get(f"/notice/{token}")
    answer = ana.post(f"/notice/{token}/contest",
                      data={"csrf_token": csrf_of(contest.text), "statement": XSS},
                      follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    for html in (ana.get(f"/notice/{token}").text, ana.get(f"/cases/{cid}").text):
        assert "<script>" not in html and "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def _notice_token(store: Store, cid: int) -> str:
    from headcount.cases.models import Notice

    with store.begin() as s:
        notice_id = s.scalars(select(Notice.id).where(Notice.case_id == cid)).first()
    assert notice_id is not None, "no notice was sent"
    return notice_token(store, notice_id)


def test_check_in_non_response_is_never_shown(imported: Store, login) -> None:
    # XSS1 (VA, mandatory campaign) never replied; DOD1's agency was never asked.
    ana, dee = login("ana"), login("dee")
    pages = [ana.get(f"/cases/{case_id(imported, 'PAID_AFTER_SEPARATION', 'XSS1')}").text,
             dee.get(f"/cases/{case_id(imported, 'PAID_AFTER_SEPARATION', 'DOD1')}").text]  # fmt: skip
    for page in pages:
        # The site's own header and footer (about check-ins in general) are not the case.
        main = matched(r'<main id="main"[^>]*>(.*)</main>', page, flags=re.S)
        assert "Case #" in main
        assert not re.search(r"check-?in|repl(y|ied)|respon", main, re.IGNORECASE)
    # Someone who did reply has it as positive evidence, said as such.
    va1 = ana.get(f"/cases/{case_id(imported, 'PAID_AFTER_SEPARATION', 'VA1')}").text
    assert "replied to a check-in campaign (not replying is never held against anyone)" in va1


def test_reveal_needs_a_role_a_reason_and_is_audited(imported: Store, login, world: World) -> None:
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    ana = login("ana")
    page = ana.get(f"/cases/{cid}").text
    assert world.ssns["VA1"][-4:] in page and world.ssns["VA1"] not in page  # masked only
    value_id = matched(r'name="value_id" value="(\d+)"', page)
    refused = ana.post(f"/cases/{cid}/reveal", data={"csrf_token": csrf_of(page),
                       "value_id": value_id, "reason": "why"})  # fmt: skip
    assert refused.status_code == 422 and world.ssns["VA1"] not in refused.text
    # The message is next to the reason box (described by it) and in the summary, linked.
    said = "Say why you need to see it (at least 10 characters)."
    assert f'<span class="usa-error-message" id="reason-{value_id}-error">{said}</span>' in (
        refused.text
    )
    assert f'<a class="usa-link" href="#reason-{value_id}">{said}</a>' in refused.text
    box = matched(rf'(<input[^>]*id="reason-{value_id}"[^>]*>)', refused.text)
    assert f'aria-describedby="reason-{value_id}-error' in box and 'value="why"' in box
    empty = ana.post(f"/cases/{cid}/reveal", data={"csrf_token": csrf_of(page),
                     "value_id": value_id, "reason": " "})  # fmt: skip
    assert empty.status_code == 422 and f'id="reason-{value_id}-error">{said}<' in empty.text
    shown = ana.post(f"/cases/{cid}/reveal", data={"csrf_token": csrf_of(page),
                     "value_id": value_id, "reason": "verifying identity with SSA"})  # fmt: skip
    assert shown.status_code == 200
    revealed = matched(r'id="revealed">(.*?)</p>', shown.text, flags=re.S)
    assert world.ssns["VA1"] in revealed or world.accounts["VA1"] in revealed
    with imported.begin() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "pii.reveal")).one()
    assert (entry.actor, entry.target_id) == ("ana", "VA1")
    assert "verifying identity with SSA" in entry.detail
    assert world.ssns["VA1"] not in entry.detail and world.ssns["VA1"][-4:] not in entry.detail


def test_exception_through_the_forms_refuses_self_approval(imported: Store, login) -> None:
    from headcount.cases.models import SafetyException

    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    ana, bob, adm = login("ana"), login("bob"), login("adm")
    assert _step(ana, cid, "verify", source="HR file").status_code == 303
    asked = _step(ana, cid, "exception", justification="payee threatens patient safety")
    assert asked.status_code == 303
    with imported.begin() as s:
        exc_id = str(s.scalars(select(SafetyException.id)).one())
    assert _step(ana, cid, "approve", exception_id=exc_id).status_code == 403
    overpaid = {"outcome": "improper_overpayment", "cause": "administrative_error_agency",
                "overpayment": "100", "reason": "threat to patients"}  # fmt: skip
    early = _step(ana, cid, "determine", **overpaid)
    assert early.status_code == 409 and "cannot be recorded yet" in early.text
    assert _step(bob, cid, "approve", exception_id=exc_id).status_code == 303
    assert _step(adm, cid, "approve", exception_id=exc_id).status_code == 303
    assert _step(ana, cid, "determine", **overpaid).status_code == 303
    with imported.begin() as s:
        case = s.get_one(Case, cid)
        assert (case.state, case.outcome) == ("determined", "improper_overpayment")


def test_letter_and_pdf_views(imported: Store, login) -> None:
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    ana = login("ana")
    _step(ana, cid, "verify", source="HR file")
    _step(ana, cid, "notice")
    letter = ana.get(f"/cases/{cid}/notices/1")
    assert letter.status_code == 200 and "How to contest, and by when" in letter.text
    assert "script-src" not in letter.headers["content-security-policy"]
    pdf = ana.get(f"/cases/{cid}/notices/1/pdf")
    assert pdf.content.startswith(b"%PDF-") and pdf.headers["content-type"] == "application/pdf"
    assert ana.get(f"/cases/{cid}/notices/999").status_code == 404
