"""The address a request came from, for logs and the audit log.

``X-Forwarded-For`` is believed only when the peer is one of
``settings.trusted_proxies``: then the address is the right-most entry that is
not itself a trusted proxy (a client can write anything to the left).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Final

from starlette.requests import HTTPConnection

UNKNOWN: Final = "unknown"

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: HTTPConnection) -> str:
    """The client's IP address as text (``unknown`` when the server was not told)."""
    peer = request.client.host if request.client else UNKNOWN
    settings = getattr(request.app.state, "settings", None)
    proxies = _networks(getattr(settings, "trusted_proxies", ()) or ())
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _address(hop) is None:
            return peer  # garbage in the header: the proxy's own address is all we know
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer


def _networks(items: Sequence[str]) -> list[IpNetwork]:
    return [ipaddress.ip_network(item, strict=False) for item in items]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(text: str, proxies: Sequence[IpNetwork]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in proxies)
