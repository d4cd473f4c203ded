"""SRT push ingest: the passphrase rules, and the two URLs that must agree."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from streamfleet.domain import srt
from streamfleet.domain.errors import InvalidInput


def test_the_stored_input_url_names_the_port_and_no_secret() -> None:
    assert srt.stored_input_url(10001) == "srt://0.0.0.0:10001?mode=listener"


def test_the_listener_url_binds_all_interfaces_with_the_passphrase() -> None:
    url = srt.listener_url(10001, "correct-horse-battery")
    assert url == (
        "srt://0.0.0.0:10001?mode=listener&latency=200000&passphrase=correct-horse-battery"
    )


def test_the_publish_url_is_a_caller_with_the_same_passphrase_escaped() -> None:
    url = srt.publish_url("tv.example.com", 10001, "pass word&more=1")
    assert url == (
        "srt://tv.example.com:10001?mode=caller&latency=200000&passphrase=pass%20word%26more%3D1"
    )


@pytest.mark.parametrize("passphrase", ["correct-horse-battery", "a&b=c 123456", "x" * 79])
def test_publisher_and_listener_agree_on_port_latency_and_passphrase(passphrase: str) -> None:
    listener = urlsplit(srt.listener_url(10001, passphrase))
    publisher = urlsplit(srt.publish_url("tv.example.com", 10001, passphrase))
    assert listener.port == publisher.port == 10001
    on_listener, on_publisher = parse_qs(listener.query), parse_qs(publisher.query)
    assert on_listener.pop("mode") == ["listener"]
    assert on_publisher.pop("mode") == ["caller"]
    assert on_listener == on_publisher
    assert on_publisher["passphrase"] == [passphrase]


@pytest.mark.parametrize("passphrase", [None, "", "short", "x" * 80])
def test_a_passphrase_libsrt_would_refuse_is_invalid_input_naming_the_field(
    passphrase: str | None,
) -> None:
    with pytest.raises(InvalidInput) as info:
        srt.listener_url(10001, passphrase)  # type: ignore[arg-type]
    assert info.value.errors[0].field == "passphrase"


@pytest.mark.parametrize(("length", "ok"), [(9, False), (10, True), (79, True), (80, False)])
def test_the_passphrase_length_limits_are_libsrts(length: int, ok: bool) -> None:
    assert (srt.passphrase_length_problem("p" * length) is None) is ok
