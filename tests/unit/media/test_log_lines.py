"""FFmpeg stderr lines never carry a password, key or passphrase into the log."""

from __future__ import annotations

import pytest

from streamfleet.media.log_lines import level_of, message_of, redact_line

SECRET = "s3cr3t-Pa55"

LEAKY_LINES = [
    f"[tcp @ 0x5] [error] Connection to rtmp://user:{SECRET}@h:1935/live failed",
    f"[in#0 @ 0x5] [error] Error opening input file srt://0.0.0.0:10001?mode=listener&passphrase={SECRET}.",
    f"[http @ 0x5] [error] HTTP error 403 for 'https://cdn/x.m3u8?token={SECRET}&a=1'",
    f"Input #0, mpegts, from 'srt://h:9000?passphrase={SECRET}':",
    f"[srt @ 0x5] [warning] passphrase {SECRET} rejected",
]


@pytest.mark.parametrize("line", LEAKY_LINES)
def test_secrets_never_survive_redaction(line: str) -> None:
    redacted = redact_line(line, secrets=(SECRET,))
    assert SECRET not in redacted
    assert "***" in redacted


def test_a_line_without_url_or_secret_is_unchanged() -> None:
    line = "[h264 @ 0x55] [error] non-existing PPS 0 referenced"
    assert redact_line(line) == line


def test_level_and_message_come_from_the_level_prefix() -> None:
    line = "[hls @ 0x55d1] [warning] Duplicated segment filename detected"
    assert level_of(line) == "warning"
    assert message_of(line) == "Duplicated segment filename detected"
    assert level_of("[fatal] Unknown encoder 'x'") == "fatal"
    assert level_of("plain text") is None
