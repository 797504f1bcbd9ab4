"""The client's address, as sign-in throttling and the audit log see it (R-V3).

Behind a load balancer every request arrives from the balancer, so counting
failures per peer address would let one guesser lock a whole office out. The
address is taken from ``X-Forwarded-For`` only when the peer is one of
``PHONEDESK_TRUSTED_PROXIES``: the header is read from the right, skipping the
trusted hops, and the first address that is not a trusted proxy is the client's.
Anything a client could have forged (entries left of that one) is never used.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import Request

from phonedesk.config import Network, parse_networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(text: str, networks: Iterable[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def client_address(request: Request, trusted_proxies: str) -> str | None:
    """The address of whoever is on the other end, looking through trusted proxies only."""
    peer = request.client.host if request.client else None
    networks = parse_networks(trusted_proxies)
    if peer is None or not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for v in request.headers.getlist("x-forwarded-for") for h in v.split(",")]
    client = peer
    for hop in reversed(hops):
        if _address(hop) is None:
            break  # garbage from the client's side of the chain: keep the last good hop
        client = hop
        if not _trusted(hop, networks):
            break
    return client
