"""Staff without a work email: printed letters with a short code and a QR code, the public
page where the code opens the same form, single use, the throttle, and a walk in Chromium
with axe."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from live_server import live_server
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from checkins.axe_check import axe, fill
from checkins.conftest import SECRET
from headcount.checkins.campaigns import create_campaign
from headcount.checkins.letters import (
    ALPHABET,
    ATTEMPTS,
    CODE_PATH,
    Letter,
    issue_letters,
    new_code,
    normalise,
    printed,
    render_letters,
)
from headcount.checkins.models import LetterCode, Recipient, Reply
from headcount.contract.policy import Policy
from headcount.store import Store, utcnow

BASE = "https://hc.example.gov"


def _campaign(store: Store, roster: Path) -> None:
    create_campaign(
        store, "wk8", roster, deadline=utcnow() + timedelta(days=2),
        policies={"VA": Policy.MANDATORY, "DOD": Policy.EXEMPT}, title="Last week's work",
    )  # fmt: skip


def _letters(store: Store, roster: Path) -> list[Letter]:
    _campaign(store, roster)
    return issue_letters(store, "wk8", SECRET, BASE)


@given(st.text(alphabet=ALPHABET, min_size=10, max_size=10))
def test_a_code_is_read_back_however_it_is_typed(code: str) -> None:
    assert normalise(printed(code)) == code
    assert normalise(f" {printed(code).lower()} ") == code
    assert normalise(code[:-1]) is None and normalise(code + "2") is None


@given(st.text(max_size=30))
def test_normalise_never_accepts_what_is_not_a_code(typed: str) -> None:
    code = normalise(typed)
    assert code is None or (len(code) == 10 and set(code) <= set(ALPHABET))


def test_letters_go_to_people_without_email_only_once_and_keep_no_code(
    store: Store, roster: Path, tmp_path: Path
) -> None:
    letters = _letters(store, roster)
    # GSA2 is the only person asked (not exempt) without a work email.
    assert [letter.name.split()[-1] for letter in letters] == ["TesterGSA2"]
    assert letters[0].url == BASE + CODE_PATH
    assert issue_letters(store, "wk8", SECRET, BASE) == []  # no second letter while unspent
    code = normalise(letters[0].code)
    assert code is not None and len(new_code()) == 10
    with store.begin() as s:
        stored = s.scalars(select(LetterCode.code_hash)).all()
    assert code not in " ".join(stored) and letters[0].code not in " ".join(stored)
    out = tmp_path / "letters.html"
    render_letters(letters, out)
    html = out.read_text()
    assert letters[0].code in html and "<svg" in html and BASE + CODE_PATH in html
    assert "Replying is voluntary" in html and "Not replying has no consequence" in html
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_the_code_opens_the_form_once_and_wrong_codes_are_throttled(
    store: Store, roster: Path, client: object
) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    (letter,) = _letters(store, roster)
    page = client.get(CODE_PATH)
    assert page.status_code == 200 and "Your code" in page.text
    csrf = client.cookies.get("hc_csrf") or ""
    field = "csrf_token"
    wrong = client.post(CODE_PATH, data={"code": "QRSTV-WXYZ2", field: csrf})
    assert wrong.status_code == 400 and "does not work" in wrong.text
    assert "QRSTV" not in wrong.text  # the typed code is not shown back
    right = client.post(
        CODE_PATH, data={"code": letter.code.lower().replace("-", " "), field: csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert right.status_code == 303 and right.headers["location"] == "/checkin"
    form = client.get("/checkin")
    assert form.status_code == 200 and "Last week&#39;s work" in form.text
    again = client.post(CODE_PATH, data={"code": letter.code, field: csrf})
    assert again.status_code == 400  # single use; the same words as a code that never was
    assert again.text.count("does not work") == wrong.text.count("does not work")
    for _ in range(ATTEMPTS):
        client.post(CODE_PATH, data={"code": "ZZZZZ-ZZZZZ", field: csrf})
    throttled = client.post(CODE_PATH, data={"code": "ZZZZZ-ZZZZZ", field: csrf})
    assert throttled.status_code == 429 and "Wait 15 minutes" in throttled.text


@pytest.mark.browser
def test_the_printed_code_path_in_chromium_with_axe(
    sqlite_store: Store, roster: Path, chromium: Browser, tmp_path: Path
) -> None:
    _campaign(sqlite_store, roster)
    with live_server(sqlite_store, SECRET) as base:
        (letter,) = issue_letters(sqlite_store, "wk8", SECRET, base)
        render_letters([letter], tmp_path / "letters.html")
        context = chromium.new_context(bypass_csp=True)
        page: Page = context.new_page()
        page.goto((tmp_path / "letters.html").as_uri())
        assert axe(page) == []
        page.goto(letter.url)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Reply with the code from your letter"
        )
        assert axe(page) == []
        page.get_by_label("Your code").fill("ABCDE-FGHJK")
        page.get_by_role("button", name="Continue to my check-in").click()
        expect(page.get_by_role("alert")).to_contain_text("That code does not work")
        assert axe(page) == []
        page.get_by_label("Your code").fill(letter.code)
        page.get_by_role("button", name="Continue to my check-in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Last week's work")
        expect(page.locator(".policy")).to_contain_text("Replying is voluntary")
        assert axe(page) == []
        fill(page, ["Fixed the loading dock", "Trained two drivers", "Counted the stock"])
        page.get_by_role("button", name="Send my reply").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("reply")
        assert axe(page) == []
        context.close()
    with sqlite_store.begin() as s:
        who = s.scalars(select(Recipient.employee_id).join(Reply)).all()
    assert who == ["GSA2"]


def test_campaign_letters_through_the_console_script(tmp_path: Path, roster: Path) -> None:
    from test_checkin_cli import run

    created = run(
        "campaign", "create", "wk8", "--roster", str(roster), "--deadline", "2099-01-31",
        "--policy", "DOD=exempt", cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    out = tmp_path / "print" / "letters.html"
    done = run("campaign", "letters", "wk8", "--out", str(out), "--base-url", BASE, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 letters written" in done.stdout and "<svg" in out.read_text()
    again = run("campaign", "letters", "wk8", "--out", str(tmp_path), cwd=tmp_path)
    assert again.returncode == 2 and "not a folder" in again.stderr
