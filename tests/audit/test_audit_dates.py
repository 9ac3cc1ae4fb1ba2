"""Hostile date filters on the audit log, through the auditor's page and the real CLI:
the last day of year 9999 once overflowed into a 500 and an exit status 1. Every string is
either a day (a result, 200 / exit 0) or refused with a clear message (400 / exit 2)."""

from __future__ import annotations

import csv
import html
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from headcount import audit
from headcount.migrations import upgrade
from headcount.store import Store
from staff import csrf_of, sign_in
from test_cli import headcount

REFUSED = re.compile(r"must be a date like 2026-01-31|'until' is before 'since'")
DAYS = st.dates(min_value=date.min, max_value=date.max).map(date.isoformat)
DATE_STRINGS = st.one_of(
    DAYS,
    st.tuples(
        DAYS,
        st.sampled_from(["Z", "+00:00", "-05:00", "T00:00", "T23:59:59Z", "T00:00:00+14:00"]),
    ).map("".join),
    st.from_regex(r"\A[+-]?[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}\Z"),
    st.sampled_from(
        ["0000-01-01", "10000-01-01", "2026-02-30", "2026-W05-1", "20260131", "  2026-01-31 "]
    ),
    st.text(max_size=30),
)


def _day(value: str) -> date | None:
    """The day the filter means, or None when it must be refused (the test's own reading)."""
    text = value.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return None


def _expected_ok(since: str, until: str) -> bool:
    first, last = _day(since), _day(until)
    valid = (first is not None or not since.strip()) and (last is not None or not until.strip())
    return valid and not (first and last and last < first)


def _events(store: Store, n: int) -> None:
    with store.begin() as s:
        for i in range(n):
            audit.record(s, actor="ana", action="test.event", target_type="thing", target_id=i)


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"until": "9999-12-31"}, "3 entries"),  # no day after it: bounds nothing
        ({"since": "0001-01-01", "until": "9999-12-31"}, "3 entries"),
        ({"since": "9999-12-31"}, "0 entries"),
    ],
)
def test_the_ends_of_the_calendar_are_days(
    client: TestClient, store: Store, params: dict[str, str], shown: str
) -> None:
    sign_in(client, store, "auditor")
    _events(store, 3)
    page = client.get("/audit", params={**params, "action": "test"})
    assert page.status_code == 200 and shown in page.text


def test_the_export_form_takes_the_ends_of_the_calendar(client: TestClient, store: Store) -> None:
    sign_in(client, store, "auditor")
    _events(store, 3)
    csrf = csrf_of(client.get("/audit").text)
    fields = {"csrf_token": csrf, "action": "test", "since": "0001-01-01", "until": "9999-12-31"}
    export = client.post("/audit/export", data=fields)
    assert export.status_code == 200 and export.text.count("test.event") == 3
    refused = client.post("/audit/export", data={**fields, "until": "9999-12-31Z"})
    assert refused.status_code == 400 and REFUSED.search(html.unescape(refused.text))


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(since=DATE_STRINGS, until=DATE_STRINGS)
@example(since="", until="9999-12-31")
@example(since="0001-01-01", until="")
@example(since="2026-01-31Z", until="")
@example(since="", until="2026-01-31+05:00")
@example(since="2026-02-01", until="2026-01-31")
def test_the_page_answers_every_date_with_a_result_or_a_400(
    client: TestClient, store: Store, since: str, until: str
) -> None:
    sign_in(client, store, "auditor")
    page = client.get("/audit", params={"since": since, "until": until})
    if _expected_ok(since, until):
        assert page.status_code == 200, (since, until)
    else:
        assert page.status_code == 400, (since, until)
        assert REFUSED.search(html.unescape(page.text)), page.text


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('audit-cli') / 'headcount.db'}"
    store = Store.open(url)
    upgrade(store)
    _events(store, 3)
    store.close()
    return url


def test_cli_export_until_the_last_day_exports_everything(database: str, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    result = headcount("audit", "export", "--out", str(out), "--until", "9999-12-31",
                       "--action", "test", "--database", database)  # fmt: skip
    assert result.returncode == 0, result.stderr
    with out.open(newline="", encoding="utf-8") as fh:
        assert [r["action"] for r in csv.DictReader(fh)] == ["test.event"] * 3


def test_cli_export_to_an_impossible_place_exits_2(database: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    out = tmp_path / "a-file" / "audit.csv"
    result = headcount("audit", "export", "--out", str(out), "--database", database)
    assert result.returncode == 2, result.stderr
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


@settings(max_examples=5, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    option=st.sampled_from(["since", "until"]),
    value=DATE_STRINGS.filter(lambda v: "\x00" not in v),
)
@example(option="until", value="9999-12-31")
@example(option="since", value="0001-01-01")
@example(option="until", value="2026-01-31T00:00:00Z")
@example(option="since", value="\udcff")  # bytes that are not UTF-8, as a shell passes them
def test_cli_export_answers_every_date_with_exit_0_or_2(
    database: str, tmp_path: Path, option: str, value: str
) -> None:
    out = tmp_path / "audit.csv"
    out.unlink(missing_ok=True)
    result = headcount(
        "audit", "export", "--out", str(out), f"--{option}={value}", "--database", database
    )
    assert "Traceback" not in result.stderr
    if _day(value) is not None or not value.strip():
        assert result.returncode == 0, result.stderr
        assert out.exists()
    else:
        assert result.returncode == 2, result.stderr
        assert REFUSED.search(" ".join(result.stderr.split())), result.stderr
        assert not out.exists()
