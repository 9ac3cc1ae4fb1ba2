"""`headcount serve`'s trusted-proxy and request-log settings: read, checked, refused early."""

from __future__ import annotations

from pathlib import Path

import pytest

from headcount.web.middleware import trusted_proxies
from test_cli import headcount


def test_trusted_proxies_are_addresses_and_networks() -> None:
    given = ["10.0.0.5, 10.1.0.0/16", "::1 192.168.7.9/24", ""]
    assert trusted_proxies(given) == ["10.0.0.5", "10.1.0.0/16", "::1", "192.168.7.0/24"]
    assert trusted_proxies([]) == []


@pytest.mark.parametrize("bad", ["*", "proxy.example.gov", "10.0.0.0/33", "300.1.1.1"])
def test_anything_else_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="is not an IP address or network"):
        trusted_proxies([f"10.0.0.1,{bad}"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--trusted-proxy", "everyone"], "trusted proxy 'everyone' is not an IP address"),
        (["--request-log", "/no/such/folder/requests.log"], "give a file in an existing folder"),
    ],
)
def test_serve_refuses_a_bad_setting_before_it_starts(
    tmp_path: Path, options: list[str], message: str
) -> None:
    result = headcount(
        "serve", "--port", "1", "--database", f"sqlite:///{tmp_path / 'h.db'}", *options
    )
    assert result.returncode == 2, result.stderr
    assert message in " ".join(result.stderr.split())
    assert not (tmp_path / "h.db").exists()  # refused before anything was opened
