"""The input URL policy: only network sources with a host reach FFmpeg, and secrets never show."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.url_policy import (
    ALLOWED_SCHEMES,
    MAX_URL_LENGTH,
    check_input_url,
    is_allowed_input_url,
    redact,
    unmasked,
    url_problem,
)

REFUSED_SCHEMES = (
    "file",
    "concat",
    "subfile",
    "data",
    "pipe",
    "fd",
    "cache",
    "async",
    "crypto",
    "tee",
    "gopher",
    "ftp",
    "sftp",
    "hls",
    "unix",
    "tcp",
    "tls",
    "javascript",
)

hosts = st.one_of(
    st.from_regex(r"\A[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){0,3}\Z"),
    st.ip_addresses(v=4).map(str),
)
ports = st.integers(min_value=1, max_value=65535)
paths = st.from_regex(r"\A(/[A-Za-z0-9._~-]{0,12}){0,4}\Z")
secrets = st.text(alphabet=string.ascii_letters + string.digits + "!$*", min_size=4, max_size=24)


@given(scheme=st.sampled_from(ALLOWED_SCHEMES), host=hosts, port=ports, path=paths)
def test_every_allowed_scheme_with_a_host_is_accepted(
    scheme: str, host: str, port: int, path: str
) -> None:
    url = f"{scheme}://{host}:{port}{path}"
    assert check_input_url(url) == url


@pytest.mark.parametrize("scheme", REFUSED_SCHEMES)
def test_a_refused_scheme_is_named_with_the_allowed_ones(scheme: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_input_url(f"{scheme}://example.com/x")
    error = caught.value.errors[0]
    assert error.field == "input_url"
    assert f"scheme '{scheme}' is not allowed" in error.message
    for allowed in ALLOWED_SCHEMES:
        assert allowed in error.message


@given(
    scheme=st.from_regex(r"\A[a-z][a-z0-9+.-]{0,10}\Z").filter(lambda s: s not in ALLOWED_SCHEMES),
    rest=st.text(max_size=40),
)
def test_no_other_scheme_passes_whatever_follows_it(scheme: str, rest: str) -> None:
    assert not is_allowed_input_url(f"{scheme}:{rest}")


@pytest.mark.parametrize(
    "url",
    [
        "/etc/passwd",
        "etc/passwd",
        "concat:/etc/passwd|/etc/hosts",
        "subfile,,start,0,end,10,,:/etc/passwd",
        "C:/Windows/win.ini",
        "udp:239.0.0.1:1234",
    ],
)
def test_paths_and_nested_protocols_are_refused(url: str) -> None:
    assert url_problem(url) is not None


@given(scheme=st.sampled_from(ALLOWED_SCHEMES), rest=st.text(max_size=30))
def test_a_leading_dash_is_refused(scheme: str, rest: str) -> None:
    assert url_problem(f"-{scheme}://{rest}") == "must not start with '-'"


@given(
    scheme=st.sampled_from(ALLOWED_SCHEMES),
    host=hosts,
    bad=st.sampled_from([" ", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x0b", "\x0c"]),
    where=st.integers(min_value=0, max_value=40),
)
def test_whitespace_and_control_characters_are_refused(
    scheme: str, host: str, bad: str, where: int
) -> None:
    url = f"{scheme}://{host}/live"
    position = min(where, len(url))
    spoiled = url[:position] + bad + url[position:]
    assert not is_allowed_input_url(spoiled)


def test_a_url_of_2048_characters_passes_and_one_more_is_refused() -> None:
    base = "http://example.com/"
    longest = base + "a" * (MAX_URL_LENGTH - len(base))
    assert is_allowed_input_url(longest)
    assert url_problem(longest + "a") == f"must be at most {MAX_URL_LENGTH} characters"


@given(extra=st.integers(min_value=1, max_value=5000))
def test_any_url_longer_than_the_limit_is_refused(extra: int) -> None:
    assert not is_allowed_input_url("http://example.com/" + "a" * (MAX_URL_LENGTH + extra))


@pytest.mark.parametrize(
    "url",
    [
        "udp://:1234",
        "rtmp:///live/key",
        "srt://?mode=listener",
        "http://",
        "rtsp://user:pass@/stream",
    ],
)
def test_a_host_is_required(url: str) -> None:
    problem = url_problem(url)
    assert problem is not None
    assert "host" in problem or "scheme://host" in problem


@pytest.mark.parametrize(
    "url",
    [
        "udp://239.0.0.1:1234",
        "udp://@239.0.0.1:1234",
        "udp://239.255.255.250:5000?pkt_size=1316&fifo_size=1000000",
        "rtp://239.1.1.1:5004",
        "udp://[ff02::1]:1234",
    ],
)
def test_multicast_udp_and_rtp_are_allowed(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize("value", [None, 42, b"udp://x:1", ["udp://x:1"], ""])
def test_non_strings_and_empty_values_are_refused(value: object) -> None:
    assert url_problem(value) is not None


@given(
    scheme=st.sampled_from(ALLOWED_SCHEMES),
    user=st.from_regex(r"\A[a-z]{1,10}\Z"),
    password=secrets,
    host=hosts,
    port=ports,
)
def test_redact_never_shows_the_password(
    scheme: str, user: str, password: str, host: str, port: int
) -> None:
    url = f"{scheme}://{user}:{password}@{host}:{port}/live"
    shown = redact(url)
    assert password not in shown.split("@", 1)[0].split("//", 1)[1]
    assert shown == f"{scheme}://***@{host}:{port}/live"


@given(
    key=st.sampled_from(
        ["passphrase", "password", "pass", "pwd", "token", "key", "secret", "auth"]
    ),
    value=secrets,
    host=hosts,
)
def test_redact_hides_secret_query_values(key: str, value: str, host: str) -> None:
    shown = redact(f"srt://{host}:9000?{key}={value}&mode=caller")
    assert f"{key}={value}" not in shown
    assert f"{key}=***" in shown
    assert "mode=caller" in shown


def test_redact_leaves_a_url_without_secrets_as_it_is() -> None:
    assert redact("udp://239.0.0.1:1234?pkt_size=1316") == "udp://239.0.0.1:1234?pkt_size=1316"


def test_a_url_without_secrets_is_shown_exactly_as_given() -> None:
    """An SQLite database URL keeps its four slashes (nothing to hide, nothing rebuilt)."""
    url = "sqlite+aiosqlite:////tmp/data/streamfleet.db"
    assert redact(url) == url


@pytest.mark.parametrize(
    ("sent", "stored", "kept"),
    [
        ("rtsp://***@cam/live", "rtsp://u:pw@cam/live", "rtsp://u:pw@cam/live"),  # masked back
        (
            "srt://h:1?passphrase=***",
            "srt://h:1?passphrase=abcdefghij",
            "srt://h:1?passphrase=abcdefghij",
        ),
        ("rtsp://***@cam/other", "rtsp://u:pw@cam/live", "rtsp://***@cam/other"),  # a new URL
        ("rtsp://v:new@cam/live", "rtsp://u:pw@cam/live", "rtsp://v:new@cam/live"),
        ("udp://239.0.0.1:1", "udp://239.0.0.1:1", "udp://239.0.0.1:1"),  # nothing masked
        ("rtsp://***@cam/live", None, "rtsp://***@cam/live"),  # nothing stored
    ],
)
def test_a_url_sent_back_exactly_as_answers_mask_it_keeps_the_stored_one(
    sent: str, stored: str | None, kept: str
) -> None:
    assert unmasked(sent, stored) == kept
