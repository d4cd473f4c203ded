"""``X-Forwarded-For``/``-Proto`` count only when the peer is a trusted proxy."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import HTTPConnection

from streamfleet.api.client_address import client_address, is_https
from streamfleet.config import Settings


def _connection(peer: str, headers: dict[str, str], trusted: str = "") -> HTTPConnection:
    settings = Settings(demo=False, trusted_proxies=trusted)
    app = SimpleNamespace(state=SimpleNamespace(settings=settings))
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "query_string": b"",
        "server": ("127.0.0.1", 8080),
        "client": (peer, 5000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "app": app,
    }
    return HTTPConnection(scope)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", "198.51.100.1", "", "203.0.113.9"),  # nobody trusted: the peer
        ("203.0.113.9", "198.51.100.1", "10.0.0.0/8", "203.0.113.9"),  # peer not trusted
        ("10.0.0.2", "198.51.100.1", "10.0.0.0/8", "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.3", "10.0.0.0/8", "198.51.100.1"),
        ("127.0.0.1", "198.51.100.1", "127.0.0.1,10.0.0.0/8", "198.51.100.1"),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(
    peer: str, forwarded: str, trusted: str, expected: str
) -> None:
    connection = _connection(peer, {"X-Forwarded-For": forwarded}, trusted)
    assert client_address(connection) == expected


def test_https_is_believed_from_a_trusted_proxy_only() -> None:
    header = {"X-Forwarded-Proto": "https"}
    assert is_https(_connection("10.0.0.2", header, "10.0.0.0/8"))
    assert not is_https(_connection("203.0.113.9", header, "10.0.0.0/8"))
    assert not is_https(_connection("10.0.0.2", {}, "10.0.0.0/8"))


def test_a_bad_trusted_proxy_setting_names_the_setting() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(demo=False, trusted_proxies="not-an-address")
