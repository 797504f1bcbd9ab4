"""PHONEDESK_TRUSTED_PROXIES: which address is the client's (R-V3)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from phonedesk.auth.addresses import client_address
from phonedesk.config import Settings, parse_networks


def _request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("192.0.2.1", ["198.51.100.1"], "", "192.0.2.1"),  # nothing trusted: the header is ignored
    ("192.0.2.1", ["198.51.100.1"], "10.0.0.0/8", "192.0.2.1"),  # untrusted peer
    ("10.1.1.1", ["198.51.100.1"], "10.0.0.0/8", "198.51.100.1"),
    ("10.1.1.1", ["6.6.6.6, 198.51.100.1, 10.2.2.2"], "10.0.0.0/8", "198.51.100.1"),
    ("10.1.1.1", ["6.6.6.6", "198.51.100.1"], "10.0.0.0/8", "198.51.100.1"),  # two headers
    ("10.1.1.1", [], "10.0.0.0/8", "10.1.1.1"),
    ("10.1.1.1", ["10.3.3.3, 10.2.2.2"], "10.0.0.0/8", "10.3.3.3"),  # all hops trusted
    ("10.1.1.1", ["198.51.100.1, not-an-ip"], "10.0.0.0/8", "10.1.1.1"),
    ("::1", ["2001:db8::7"], "::1, 127.0.0.1", "2001:db8::7"),
])
def test_client_address(peer: str, forwarded: list[str], trusted: str, expected: str) -> None:
    assert client_address(_request(peer, *forwarded), trusted) == expected


def test_a_bad_entry_is_refused_at_start() -> None:
    assert len(parse_networks("10.0.0.0/8; 192.0.2.1 ,")) == 2
    with pytest.raises(ValueError, match="not-a-network"):
        Settings(trusted_proxies="10.0.0.0/8, not-a-network")
