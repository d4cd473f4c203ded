"""The client's address and scheme, believing ``X-Forwarded-*`` only from trusted proxies.

``settings.trusted_proxies`` lists the proxies (nginx, a load balancer) in
front of the API. When the peer is one of them, ``X-Forwarded-For`` is read
from the right, skipping trusted hops: the first untrusted address is the
client. From any other peer the headers are ignored (anyone can send them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import HTTPConnection

from streamfleet.config import Settings

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(connection: HTTPConnection) -> str:
    """The address of the client that made this request (for logs, throttling and audit)."""
    peer = connection.client.host if connection.client else ""
    networks = _trusted(connection)
    if not networks or not _is_trusted(peer, networks):
        return peer
    forwarded = connection.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def is_https(connection: HTTPConnection) -> bool:
    """Whether the client used HTTPS (``X-Forwarded-Proto`` counts from a trusted proxy)."""
    if connection.url.scheme in ("https", "wss"):
        return True
    peer = connection.client.host if connection.client else ""
    networks = _trusted(connection)
    if networks and _is_trusted(peer, networks):
        proto = connection.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"
    return False


def _trusted(connection: HTTPConnection) -> Sequence[IpNetwork]:
    settings: Settings | None = getattr(connection.app.state, "settings", None)
    return settings.trusted_proxies if settings is not None else ()


def _is_trusted(address: str, networks: Sequence[IpNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)
