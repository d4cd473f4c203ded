"""Which FFmpeg exits are worth a restart, and the reason shown for them."""

from __future__ import annotations

import pytest

from streamfleet.media.exit_reason import classify_exit

JOIN_NOISE = [
    "[h264 @ 0x55] [error] Codec (h264) not on whitelist 'aac,ac3,mp2'",
    "[in#0/mpegts @ 0x56] [warning] Failed to open codec in avformat_find_stream_info",
    "[h264 @ 0x55] [error] non-existing PPS 0 referenced",
    "[h264 @ 0x55] [error] no frame!",
]

CONFIG_FAILURES = [
    ("[fatal] Unknown encoder 'libfdk_aac'", "Unknown encoder 'libfdk_aac'"),
    (
        "[hls @ 0x5] [error] Protocol 'file' not on whitelist 'http,tcp,crypto'!",
        "Protocol 'file' not on whitelist 'http,tcp,crypto'!",
    ),
    (
        "[hls @ 0x5] [error] URL file:///etc/passwd is not in allowed_segment_extensions",
        "URL file:///etc/passwd is not in allowed_segment_extensions",
    ),
    ("[fatal] Stream map '0:a:0' matches no streams.", "Stream map '0:a:0' matches no streams."),
    ("[fatal] Unrecognized option 'foo'.", "Unrecognized option 'foo'."),
]


@pytest.mark.parametrize(("line", "reason"), CONFIG_FAILURES)
def test_a_configuration_problem_is_not_retryable_and_named(line: str, reason: str) -> None:
    verdict = classify_exit(1, [*JOIN_NOISE, line, "[fatal] Exiting with exit code 1"], False)
    assert not verdict.retryable
    assert verdict.reason == reason


def test_the_specific_cause_wins_over_the_generic_last_line() -> None:
    lines = [
        "[fatal] Stream map '' matches no streams.",
        "[error] Failed to set value '0:a:0' for option 'map': Invalid argument",
        "[fatal] Error opening output files: Invalid argument",
    ]
    assert classify_exit(234, lines, False).reason == "Stream map '' matches no streams."


def test_invalid_argument_before_any_output_is_not_retryable() -> None:
    verdict = classify_exit(234, ["[error] Error opening output files: Invalid argument"], False)
    assert not verdict.retryable


def test_invalid_argument_after_output_came_from_the_network_and_is_retried() -> None:
    verdict = classify_exit(251, ["[error] Error during demuxing: Invalid argument"], True)
    assert verdict.retryable


NETWORK_FAILURES = [
    (251, ["[in#0 @ 0x5] [error] Error opening input: Input/output error"], "Input/output error"),
    (1, ["[tcp @ 0x5] [error] Connection to tcp://h:1935 failed: Connection refused"], "refused"),
    (251, ["[in#0 @ 0x5] [error] Error during demuxing: Connection timed out"], "timed out"),
    (0, [], "the source ended"),
    (-9, [], "killed by signal 9"),
    (255, [], "exited with code 255"),
    (251, ["[http @ 0x5] [error] HTTP error 404 Not Found"], "404"),
]


@pytest.mark.parametrize(("rc", "lines", "fragment"), NETWORK_FAILURES)
def test_network_failures_and_plain_exits_are_retried(
    rc: int, lines: list[str], fragment: str
) -> None:
    verdict = classify_exit(rc, [*JOIN_NOISE, *lines], True)
    assert verdict.retryable
    assert fragment in verdict.reason


def test_decoder_noise_from_joining_mid_gop_is_never_given_as_the_reason() -> None:
    verdict = classify_exit(0, JOIN_NOISE, True)
    assert verdict.retryable
    assert verdict.reason == "the source ended"


def test_the_probes_refused_video_decoder_never_stops_restarts_nor_is_the_reason() -> None:
    refused = JOIN_NOISE[0]
    verdict = classify_exit(0, [refused], False)
    assert verdict.retryable
    assert verdict.reason == "the source ended"
    lost = "[in#0 @ 0x5] [error] Error during demuxing: Connection timed out"
    assert classify_exit(251, [refused, lost, refused], True).reason.endswith("timed out")


def test_a_very_long_line_is_shortened() -> None:
    verdict = classify_exit(1, ["[error] " + "x" * 1000], True)
    assert len(verdict.reason) <= 200
