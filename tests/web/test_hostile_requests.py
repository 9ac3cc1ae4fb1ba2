"""Hostile requests against `headcount serve` itself (a real uvicorn in its own process):
an endless chunked body, a spoofed X-Forwarded-For, and what the request log keeps."""

from __future__ import annotations

import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import Served, declared_body, served, stream_body
from sqlalchemy import select

from headcount import audit
from headcount.auth.throttle import CLIENT_LIMIT
from headcount.store import Store
from headcount.web.middleware import DEFAULT_BODY_LIMIT

MB = 1024 * 1024
HUGE = 200 * MB


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Default settings (no trusted proxy), the request log in a file."""
    folder = tmp_path_factory.mktemp("plain")
    with served(folder, "--request-log", str(folder / "requests.log")) as server:
        yield server


def _request(
    server: Served, method: str, path: str, body: bytes | None = None, **headers: str
) -> int:
    request = urllib.request.Request(server.url + path, body, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


urllib.request.install_opener(urllib.request.build_opener(NoRedirect))


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/v1/replies", "application/json"), ("/login", "application/x-www-form-urlencoded")],
)
def test_an_endless_chunked_body_is_refused_while_it_streams(
    plain: Served, path: str, content_type: str
) -> None:
    assert _request(plain, "GET", "/api/v1/health") == 200  # warm: the route is loaded
    before = plain.peak_memory()
    status, sent = stream_body(plain.port, path, HUGE, {"Content-Type": content_type})
    assert status == 413
    # Refused once past the limit, not after reading it all (what is in flight on the socket
    # buffers is all that was sent beyond it).
    assert DEFAULT_BODY_LIMIT < sent < HUGE // 4
    assert plain.peak_memory() - before < 32 * MB


def test_an_oversize_declared_length_is_refused_before_any_byte(plain: Served) -> None:
    assert declared_body(plain.port, "/api/v1/replies", HUGE) == 413


def _failures(server: Served) -> list[audit.AuditEntry]:
    store = Store.open(server.database)
    try:
        with store.begin() as s:
            query = select(audit.AuditEntry).where(audit.AuditEntry.action.startswith("login."))
            return list(s.scalars(query.order_by(audit.AuditEntry.seq)))
    finally:
        store.close()


def _login(server: Served, username: str, forwarded_for: str) -> int:
    body = f'{{"username": "{username}", "password": "not the password"}}'.encode()
    return _request(
        server, "POST", "/api/v1/session", body,
        **{"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
    )  # fmt: skip


def test_a_forwarded_address_is_ignored_by_default(plain: Served) -> None:
    assert _login(plain, "nobody", "203.0.113.9") == 401
    assert [e.client for e in _failures(plain)] == ["127.0.0.1"]


def test_rotating_the_header_does_not_evade_the_login_throttle(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A proxy is configured, but the attacker is not it: their header is not believed."""
    folder = tmp_path_factory.mktemp("other-proxy")
    with served(folder, "--trusted-proxy", "10.0.0.0/8") as server:
        # A new user name each time, so only the per-address count can stop it.
        answers = [_login(server, f"guess{i}", f"198.51.100.{i}") for i in range(CLIENT_LIMIT + 1)]
        assert answers == [401] * CLIENT_LIMIT + [429]
        entries = _failures(server)
    assert [e.action for e in entries][-1] == "login.throttled"
    assert {e.client for e in entries} == {"127.0.0.1"}


def test_a_trusted_proxy_names_the_client(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("proxy")
    with served(folder, env={"HEADCOUNT_TRUSTED_PROXIES": "10.1.2.3, 127.0.0.1"}) as server:
        assert _login(server, "someone", "203.0.113.9") == 401
        # The client's own claim sits left of what the proxy appended: the rightmost
        # untrusted address is the one the proxy saw.
        assert _login(server, "someone", "192.0.2.66, 198.51.100.20") == 401
        assert [e.client for e in _failures(server)] == ["203.0.113.9", "198.51.100.20"]


LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} 127\.0\.0\.1 (GET|POST) (\S+) (\d{3}) \d+\.\dms"
)


def _lines(log: Path, wanted: int) -> list[str]:
    """The log's lines once `wanted` are there (each is written just after its response)."""
    deadline = time.monotonic() + 60
    lines = log.read_text(encoding="utf-8").splitlines()
    while len(lines) < wanted and time.monotonic() < deadline:
        time.sleep(0.1)
        lines = log.read_text(encoding="utf-8").splitlines()
    return lines


def test_the_request_log_has_one_line_per_request_and_no_secret(plain: Served) -> None:
    log = Path(plain.stderr).with_name("requests.log")
    already = len(_lines(log, 0))
    link, notice = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    password, cookie = "000-12-3456 my password", secrets.token_urlsafe(16)
    sent = [
        ("GET", f"/c/{link}?email=jane.doe%40example.gov", None, "/c/{token}", 400),
        ("GET", f"/notice/{notice}/pdf", None, "/notice/{token}/pdf", 400),
        ("GET", f"/c/{link}/more", None, "<unmatched>", 404),
        ("GET", "/audit?actor=jane&since=2026-01-01", None, "/audit", 303),
        ("GET", "/cases/412?q=x", None, "/cases/412", 303),
        ("GET", "/cases/jane%20doe", None, "/cases/{case_id}", 303),
        ("GET", "/static/style.css", None, "/static/{path}", 200),
        ("POST", "/login", f"username=jane&password={password}".encode(), "/login", 403),
    ]
    for method, path, body, _, status in sent:
        headers = {"Cookie": f"hc_session={cookie}; hc_csrf={cookie}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        assert _request(plain, method, path, body, **headers) == status, path
    lines = _lines(log, already + len(sent))[already:]
    assert len(lines) == len(sent), lines
    assert all(LINE.fullmatch(line) for line in lines), lines
    # Each line is written once its response is out, so two may swap places.
    logged = sorted(LINE.fullmatch(line).groups() for line in lines)  # type: ignore[union-attr]
    assert logged == sorted((method, name, str(status)) for method, _, _, name, status in sent)
    text = "\n".join(lines)
    for secret in (link, notice, "jane", "example.gov", "2026-01-01", cookie, "000-12-3456"):
        assert secret not in text
