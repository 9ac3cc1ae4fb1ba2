"""The per-address login throttle counts what an attacker cannot cheaply change: an IPv6
client by its /64 (one host commonly holds all of it), an IPv4-mapped address as IPv4."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headcount.auth import throttle
from headcount.store import Store, utcnow


@pytest.mark.parametrize(
    ("client", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("testclient", "testclient"),
        ("x" * 100, "x" * 64),
    ],
)
def test_client_key(client: str, key: str) -> None:
    assert throttle.client_key(client) == key


@given(prefix=st.integers(0, 2**64 - 1), a=st.integers(0, 2**64 - 1), b=st.integers(0, 2**64 - 1))
def test_one_64_is_one_client_and_two_are_two(prefix: int, a: int, b: int) -> None:
    first = str(ipaddress.IPv6Address((prefix << 64) | a))
    same = str(ipaddress.IPv6Address((prefix << 64) | b))
    other = str(ipaddress.IPv6Address((((prefix + 1) % 2**64) << 64) | a))
    assert throttle.client_key(first) == throttle.client_key(same)
    assert throttle.client_key(first) != throttle.client_key(other)


def test_walking_through_a_64_does_not_reset_the_count(store: Store) -> None:
    now = utcnow()
    with store.begin() as s:
        for i in range(throttle.CLIENT_LIMIT):
            throttle.note_failure(s, f"guess{i}", f"2001:db8:0:7::{i + 1:x}", now)
    with store.begin() as s:
        assert throttle.refusal(s, "fresh-name", "2001:db8:0:7::ffff", now) == "client"
        assert throttle.refusal(s, "fresh-name", "2001:db8:0:8::1", now) is None
