"""The client address for the audit log: ``X-Forwarded-For`` counts only from a trusted proxy."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from streamfleet.api.client_address import client_address
from streamfleet.config import Settings


def request_from(peer: str | None, forwarded: list[str], proxies: list[str]) -> Request:
    settings = Settings(trusted_proxies=proxies)
    app = SimpleNamespace(state=SimpleNamespace(settings=settings))
    scope = {
        "type": "http",
        "app": app,
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
        "client": (peer, 50000) if peer else None,
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        ("192.0.2.1", [], [], "192.0.2.1"),
        ("192.0.2.1", ["198.51.100.7"], [], "192.0.2.1"),
        ("192.0.2.1", ["198.51.100.7"], ["10.0.0.0/8"], "192.0.2.1"),
        ("10.0.0.5", ["198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),
        ("10.0.0.5", ["1.1.1.1, 198.51.100.7"], ["10.0.0.5"], "198.51.100.7"),
        ("10.0.0.5", ["198.51.100.7, 10.0.0.9"], ["10.0.0.0/8"], "198.51.100.7"),
        ("10.0.0.5", ["1.1.1.1", "198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),
        ("10.0.0.5", ["10.0.0.7"], ["10.0.0.0/8"], "10.0.0.7"),
        ("10.0.0.5", [], ["10.0.0.0/8"], "10.0.0.5"),
        ("::1", ["2001:db8::7"], ["::1"], "2001:db8::7"),
    ],
)
def test_the_address_is_the_peer_unless_a_trusted_proxy_forwarded_it(
    peer: str | None, forwarded: list[str], proxies: list[str], expected: str
) -> None:
    assert client_address(request_from(peer, forwarded, proxies)) == expected


def test_a_trusted_proxy_that_is_not_an_address_stops_start_up() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies=["proxy.example"])
