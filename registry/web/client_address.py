"""The client's address, as every limit keyed on addresses must see it (one function, so no route can trust a
header another one ignores).

X-Forwarded-For is believed only when the TCP peer is one of the configured proxies (`I5G_TRUSTED_PROXIES`,
empty by default). Its entries are then read right to left, skipping further trusted proxies: the first
untrusted entry is the address our own proxy saw. Anything left of it was written by the client and is ignored.
The server must not rewrite the peer address itself: `i5g registry serve` runs uvicorn without proxy headers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def resolve_client(peer: str, forwarded_for: Sequence[str], proxies: Sequence[Network]) -> str:
    if not _trusted(peer, proxies):
        return peer
    address = peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = hop
        if not _trusted(hop, proxies):
            break
    return address


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    proxies = request.app.state.settings.trusted_proxies
    return resolve_client(peer, request.headers.getlist("x-forwarded-for"), proxies)
