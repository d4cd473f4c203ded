"""Logs: one JSON object per line, and no URL secret ever reaches them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from streamfleet.logs import configure_logging, redact_text

PASSWORD = "s3cr3t-Pa55"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Configure logging into a buffer, and put the previous configuration back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    config = structlog.get_config()
    stream = io.StringIO()
    configure_logging("debug", "json", stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        structlog.configure(**config)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_event_is_one_json_line_with_its_keys(log_output: io.StringIO) -> None:
    structlog.get_logger().info("channel.offline", channel="news", pid=42)
    logging.getLogger("uvicorn.error").warning("port %s busy", 8080)
    first, second = lines(log_output)
    assert first["event"] == "channel.offline"
    assert (first["channel"], first["pid"], first["level"]) == ("news", 42, "info")
    assert second["event"] == "port 8080 busy"
    assert second["logger"] == "uvicorn.error"


@pytest.mark.parametrize(
    "url",
    [
        f"rtmp://user:{PASSWORD}@src.example.com/live/key",
        f"rtsp://admin:{PASSWORD}@10.0.0.5:554/stream1",
        f"srt://src.example.com:9000?passphrase={PASSWORD}&mode=caller",
        f"https://cdn.example.com/live.m3u8?token={PASSWORD}",
    ],
)
def test_a_password_in_a_url_never_reaches_the_log(log_output: io.StringIO, url: str) -> None:
    log = structlog.get_logger()
    log.info("channel.created", input_url=url)
    log.warning(f"could not open {url}")
    logging.getLogger("some.library").error("failed: %s", url)
    try:
        raise OSError(f"connection to {url} refused")
    except OSError:
        log.exception("channel.failed")
    output = log_output.getvalue()
    assert len(lines(log_output)) == 4
    assert PASSWORD not in output


def test_redact_text_leaves_plain_urls_and_text_alone() -> None:
    text = "opening udp://239.0.0.1:1234 and http://example.com/a.m3u8 now"
    assert redact_text(text) == text


def test_the_websocket_query_token_never_reaches_the_log(log_output: io.StringIO) -> None:
    """uvicorn logs each WebSocket handshake with its path and query."""
    token = "sf_" + "t" * 43
    logging.getLogger("uvicorn.error").info(
        '%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", f"/api/v1/ws?access_token={token}"
    )
    structlog.get_logger().info("live.open", path=f"/api/v1/ws?channels=a&ACCESS_TOKEN={token}")
    output = log_output.getvalue()
    assert len(lines(log_output)) == 2
    assert token not in output
    assert "/api/v1/ws?access_token=***" in output


def test_uvicorn_loggers_left_quiet_by_its_own_config_log_at_ours(
    request: pytest.FixtureRequest,
) -> None:
    """A uvicorn started with ``log_level="warning"`` (its dictConfig) leaves ``uvicorn.error``
    at WARNING; our configuration takes the server loggers back to our level."""
    server_logger = logging.getLogger("uvicorn.error")
    server_logger.setLevel(logging.WARNING)
    log_output: io.StringIO = request.getfixturevalue("log_output")  # configures after that
    server_logger.info("handshake seen")
    assert "handshake seen" in log_output.getvalue()
