"""The web app over HTTP (Starlette's TestClient) on both backends: the magic-link flow,
the form, CSRF, escaping, the guard (nothing stored or logged), the API and the dashboard."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from headcount.checkins.messages import deadline_text
from headcount.checkins.models import Campaign, Reply
from headcount.store import Base, Store, utcnow
from staff import sign_in as staff_sign_in

BULLETS = ["Closed 12 tickets", "Reviewed two contracts", "Trained a new colleague"]


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match
    return match.group(1)


def sign_in(client: TestClient, token: str) -> None:
    page = client.get(f"/c/{token}")
    assert page.status_code == 200 and "Continue to my check-in" in page.text
    opened = client.post(
        "/c", data={"token": token, "csrf_token": _csrf(page.text)}, follow_redirects=False
    )
    assert opened.status_code == 303 and opened.headers["location"] == "/checkin"


def post_reply(
    client: TestClient, bullets: list[str], submission_id: str | None = None
) -> httpx.Response:
    form = client.get("/checkin")
    assert form.status_code == 200
    data = {f"bullet{i}": b for i, b in enumerate(bullets, start=1)}
    data["csrf_token"] = _csrf(form.text)
    data["submission_id"] = submission_id or _field(form.text, "submission_id")
    # Declared: starlette types its TestClient against httpx2, which is not installed.
    sent: httpx.Response = client.post("/checkin", data=data, follow_redirects=False)
    return sent


def test_link_opens_a_session_once_then_reply_edit_and_confirm(
    client: TestClient, links: dict[str, str], store: Store
) -> None:
    sign_in(client, links["VA1"])
    form = client.get("/checkin").text
    assert "Your agency (VA) has asked all of its staff to reply" in form
    assert "Not replying has no consequence" in form
    sent = post_reply(client, BULLETS, "sub-1")
    assert sent.status_code == 303 and sent.headers["location"] == "/checkin/done"
    done = client.get("/checkin/done").text
    assert "your reply is saved" in done and all(b in done for b in BULLETS)
    assert post_reply(client, BULLETS, "sub-1").status_code == 303  # a retried POST
    assert post_reply(client, [*BULLETS, "Wrote the runbook"]).status_code == 303
    with store.begin() as s:
        (reply,) = s.scalars(select(Reply)).all()
        assert reply.revision == 2 and reply.text.endswith("Wrote the runbook")
    # The link is spent: a second browser gets an explanation, not a session.
    other = TestClient(client.app, base_url="https://testserver")
    again = other.get(f"/c/{links['VA1']}")
    assert again.status_code == 410 and "already been used" in again.text
    assert other.get("/checkin").status_code == 401


def test_session_cookie_is_httponly_and_secure(client: TestClient, links: dict[str, str]) -> None:
    page = client.get(f"/c/{links['VA2']}")
    opened = client.post(
        "/c", data={"token": links["VA2"], "csrf_token": _csrf(page.text)}, follow_redirects=False
    )
    cookie = opened.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in page.headers["content-security-policy"]  # no script at all


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, links: dict[str, str]
) -> None:
    refused = client.post("/c", data={"token": links["VA1"]}, follow_redirects=False)
    assert refused.status_code == 403
    sign_in(client, links["VA1"])  # the link was not spent by the refused POST
    client.get("/checkin")
    data = {f"bullet{i}": b for i, b in enumerate(BULLETS, start=1)}
    assert client.post("/checkin", data={**data, "csrf_token": "x" * 43}).status_code == 403


def test_markup_is_shown_as_text(client: TestClient, links: dict[str, str]) -> None:
    sign_in(client, links["VA1"])
    attack = '<script>alert("x")</script> and <img src=x onerror=alert(1)>'
    assert post_reply(client, [attack, *BULLETS[:2]]).status_code == 303
    done = client.get("/checkin/done").text
    assert "<script>alert" not in done and "<img src=x" not in done
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in done


def _everything_in_the_database(store: Store) -> str:
    parts: list[str] = []
    with store.engine.connect() as c:
        for table in Base.metadata.sorted_tables:
            parts.extend(repr(tuple(row)) for row in c.execute(select(table)))
    return "\n".join(parts)


def _raw_sqlite_bytes(store: Store) -> bytes:
    path = Path(store.engine.url.database or "")
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_refused_text_is_never_stored_or_logged(
    client: TestClient, links: dict[str, str], store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    secrets = ["219-45-6781", "4111 1111 1111 1111", "SECRET//NOFORN"]
    caplog.set_level(logging.DEBUG)  # every logger, every level, SQLAlchemy's included
    sign_in(client, links["VA1"])
    for secret in secrets:
        refused = post_reply(client, [*BULLETS[:2], f"Handled case {secret} today"])
        assert refused.status_code == 422
        assert (
            "Your reply was not saved" in refused.text
            and "none of this reply was kept" in refused.text
        )
        assert refused.headers["cache-control"] == "no-store"
    api = client.post(
        "/api/v1/replies",
        json={"token": links["VA2"], "bullets": [*BULLETS[:2], "SSN 219-45-6781"]},
    )
    assert api.status_code == 422 and api.json()["findings"] == [{"bullet": 3, "kind": "ssn"}]
    assert "219-45" not in api.text
    dump = _everything_in_the_database(store)
    for secret in [*secrets, "Handled case"]:
        assert secret not in dump and secret not in caplog.text
    if store.backend == "sqlite":
        raw = _raw_sqlite_bytes(store)
        assert b"219-45-6781" not in raw and b"NOFORN" not in raw
    else:
        with store.engine.connect() as c:
            assert c.scalar(select(func.count()).select_from(Reply)) == 0
            # Nothing reached the server's statement text either (it only ever saw parameters
            # of statements that ran; a refusal runs none with the text).
            c.execute(text("SELECT 1"))


def test_tokens_never_reach_the_access_log(
    client: TestClient, links: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="headcount.web.access")
    sign_in(client, links["VA1"])
    client.get("/c/" + "nonsense-token")
    assert links["VA1"] not in caplog.text and "nonsense-token" not in caplog.text
    assert "GET /c/{token} 200" in caplog.text


def test_deadline_passed_shows_the_reply_read_only(
    client: TestClient, links: dict[str, str], store: Store
) -> None:
    from datetime import timedelta

    from headcount.checkins.models import Campaign
    from headcount.store import utcnow

    sign_in(client, links["VA1"])
    post_reply(client, BULLETS)
    with store.begin() as s:
        campaign = s.get(Campaign, "wk8")
        assert campaign is not None
        campaign.deadline = utcnow() - timedelta(minutes=1)
    page = client.get("/checkin").text
    assert "deadline has passed" in page and '<form method="post" action="/checkin"' not in page


def test_api_reply_with_link_then_edit_with_session(
    client: TestClient, links: dict[str, str], store: Store
) -> None:
    body = {"token": links["GSA1"], "bullets": BULLETS, "submission_id": "k1"}
    created = client.post("/api/v1/replies", json=body)
    assert created.status_code == 201, created.text
    session_token = created.json()["session_token"]
    assert created.json()["revision"] == 1 and "no consequence" in created.json()["note"]
    retried = client.post("/api/v1/replies", json=body)  # the response was lost; same request
    assert retried.status_code == 200 and retried.json()["revision"] == 1
    other = client.post("/api/v1/replies", json={**body, "submission_id": "k2"})
    assert other.status_code == 410 and other.json()["code"] == "link_used"
    auth = {"Authorization": f"Bearer {session_token}"}
    state = client.get("/api/v1/checkin", headers=auth).json()
    assert state["policy"] == "voluntary" and state["reply"]["bullets"] == BULLETS
    edited = client.put("/api/v1/checkin", headers=auth, json={"bullets": [*BULLETS, "More"]})
    assert edited.status_code == 200 and edited.json()["revision"] == 2
    assert client.get("/api/v1/checkin").status_code == 401
    assert client.put("/api/v1/checkin", headers=auth, json={"bullets": ["one"]}).status_code == 422
    with store.begin() as s:
        assert s.scalar(select(func.count()).select_from(Reply)) == 1


def test_dashboard_says_no_consequence_next_to_every_rate(
    client: TestClient, store: Store, links: dict[str, str]
) -> None:
    staff_sign_in(client, store, "analyst")  # the dashboard is for staff (docs/security.md)
    for employee in ("VA1", "VA2"):
        client.post("/api/v1/replies", json={"token": links[employee], "bullets": BULLETS})
    page = client.get("/campaigns/wk8")
    assert page.status_code == 200
    html = page.text
    assert html.count("<svg") == 3 and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "50.0% of 4 people reached" in " ".join(html.split())
    assert "Email sent to 4; 4 delivered; 0 not reached" in " ".join(html.split())
    assert "Non-response carries no consequence" in html
    rows = re.findall(r"<tr><th scope=\"row\">[^<]+</th>(.*?)</tr>", html)
    rated = [r for r in rows if "%" in r and "<td>none</td>" not in r]
    assert all("Hour" not in r for r in rated)  # every agency/org rate row states "none"
    rates = client.get("/api/v1/campaigns/wk8/rates").json()
    assert rates["overall"] == {
        "label": "All agencies",
        "policy": "",
        "asked": 4,
        "replied": 2,
        "reached": 4,
        "emailed": 4,
        "delivered": 4,
        "not_reached": 0,
        "lettered": 0,
        "rate": 0.5,
    }
    assert {r["label"]: r["rate"] for r in rates["by_agency"]} == {
        "DOD": None,
        "GSA": 0.0,
        "VA": 2 / 3,
    }
    assert client.get("/campaigns/nope").status_code == 404


def test_api_refusals_leave_the_link_unspent(
    client: TestClient, links: dict[str, str], store: Store
) -> None:
    from datetime import timedelta

    from checkins.conftest import SECRET
    from headcount.checkins.links import Signer, issue_link, read_token
    from headcount.checkins.models import Campaign, Link, Recipient
    from headcount.store import utcnow

    with store.begin() as s:
        dod1 = s.scalars(select(Recipient).where(Recipient.employee_id == "DOD1")).one()
        exempt = issue_link(s, Signer(SECRET), dod1.id, utcnow() + timedelta(days=1))
    refused = client.post("/api/v1/replies", json={"token": exempt, "bullets": BULLETS})
    assert refused.status_code == 409 and refused.json()["code"] == "exempt"
    with store.begin() as s:
        campaign = s.get(Campaign, "wk8")
        assert campaign is not None
        campaign.deadline = utcnow() - timedelta(minutes=1)
    late = client.post("/api/v1/replies", json={"token": links["VA1"], "bullets": BULLETS})
    assert late.status_code == 409 and late.json()["code"] == "deadline_passed"
    with store.begin() as s:
        for token in (exempt, links["VA1"]):
            link = s.get(Link, read_token(Signer(SECRET), token).jti)
            assert link is not None and link.used_at is None
        assert s.scalars(select(Reply)).all() == []


def test_concurrent_api_replies_are_batched_without_loss_or_duplicates(
    store: Store, links: dict[str, str]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from live_server import live_server

    from checkins.conftest import SECRET

    # Every token sent three times at once with the same submission_id (a client retrying).
    jobs = [(employee, token) for employee, token in links.items() for _ in range(3)]
    with live_server(store, SECRET) as base, httpx.Client(base_url=base) as http:

        def post(job: tuple[str, str]) -> tuple[str, int]:
            employee, token = job
            body = {"token": token, "bullets": BULLETS, "submission_id": f"sub-{employee}"}
            return employee, http.post("/api/v1/replies", json=body).status_code

        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(post, jobs))
    for employee in links:
        codes = sorted(code for e, code in results if e == employee)
        assert codes == [200, 200, 201]  # one saved it; the retries got the saved reply
    with store.begin() as s:
        assert s.scalar(select(func.count()).select_from(Reply)) == len(links)
        assert {r.revision for r in s.scalars(select(Reply))} == {1}


def _sign_out(client: TestClient, csrf: str | None = None) -> str:
    out = client.post("/signout", data={"csrf_token": csrf or _csrf(client.get("/checkin").text)})
    assert out.status_code == 200
    assert client.get("/checkin").status_code == 401  # the session is gone
    return str(out.text)


def test_signing_out_says_until_when_a_reply_can_change(
    client: TestClient, links: dict[str, str], store: Store
) -> None:
    with store.begin() as s:
        deadline = s.get_one(Campaign, "wk8").deadline
    sign_in(client, links["VA1"])
    page = _sign_out(client)
    assert "You are signed out" in page
    assert "ask the person or office that sent the check-in email" in page  # whom to ask
    assert (
        f"Replies can be sent or changed until <strong>{deadline_text(deadline)}</strong>" in page
    )

    sign_in(client, links["GSA1"])
    client.get("/checkin?lang=es")  # the person's choice of language carries to the goodbye
    page = _sign_out(client)
    assert "Su sesión está cerrada" in page
    assert f"hasta el <strong>{deadline_text(deadline, 'es')}</strong>" in page

    client.cookies.clear()  # forget the choice of Spanish
    sign_in(client, links["VA2"])
    csrf = _csrf(client.get("/checkin").text)
    with store.begin() as s:  # the campaign closes while VA2 is still signed in
        s.get_one(Campaign, "wk8").deadline = closed = utcnow() - timedelta(minutes=1)
    page = _sign_out(client, csrf)
    assert f"The deadline, {deadline_text(closed)}, has passed" in page
    assert "Replies can be sent or changed until" not in page
