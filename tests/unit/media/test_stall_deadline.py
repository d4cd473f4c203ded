"""How long media time may stand still, per way of delivery (``media/stall_deadline.py``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.media.stall_deadline import (
    BURST_CAP_S,
    DEFAULT_TARGET_DURATION_S,
    LEARN_GAPS,
    MAX_TARGET_DURATION_S,
    Delivery,
    StallDeadline,
    delivery_of,
    is_playlist,
    is_stream_type,
    target_duration_of,
)

STALE_S = 1.2
PLAYLIST = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{t}\n#EXT-X-MEDIA-SEQUENCE:4\n"


@pytest.mark.parametrize(
    ("url", "delivery"),
    [
        ("udp://239.0.0.1:1234", Delivery.CONTINUOUS),
        ("rtp://127.0.0.1:5004", Delivery.CONTINUOUS),
        ("srt://host:9000?mode=caller", Delivery.CONTINUOUS),
        ("rtsp://cam/stream", Delivery.CONTINUOUS),
        ("rtmp://host/live/key", Delivery.CONTINUOUS),
        ("http://cdn.example/live/index.m3u8", Delivery.PLAYLIST),
        ("https://cdn.example/live/INDEX.M3U8?token=1", Delivery.PLAYLIST),
        ("http://cdn.example/live/stream.ts", Delivery.BURSTS),
        ("http://cdn.example/playlist", Delivery.BURSTS),
    ],
)
def test_the_url_says_how_a_source_delivers(url: str, delivery: Delivery) -> None:
    assert delivery_of(url) is delivery


def test_continuous_sources_keep_the_stale_timeout_whatever_their_gaps() -> None:
    deadline = StallDeadline(Delivery.CONTINUOUS, STALE_S)
    for t in (0.0, 0.5, 1.0, 3.0):
        deadline.observe_advance(t)
    assert deadline.allowance_s() == STALE_S
    assert deadline.input_timeout_s(1.0) == 1.0
    assert deadline.describe() == "no progress for 1.2 s"


def test_an_hls_source_of_2s_target_duration_may_stand_still_for_4s() -> None:
    """1.5 target durations (a reload that found nothing waits half a target more) + 1 s."""
    deadline = StallDeadline(Delivery.PLAYLIST, STALE_S, target_duration_of(PLAYLIST.format(t=2)))
    assert deadline.allowance_s() == 4.0
    assert deadline.input_timeout_s(1.0) == 4.0
    assert "target duration 2 s" in deadline.describe()


def test_an_hls_source_whose_playlist_was_not_read_gets_the_default_target_duration() -> None:
    deadline = StallDeadline(Delivery.PLAYLIST, STALE_S, None)
    assert deadline.allowance_s() == 1.5 * DEFAULT_TARGET_DURATION_S + 1.0
    assert "target duration unknown" in deadline.describe()


@pytest.mark.parametrize(
    ("text", "target"),
    [
        (PLAYLIST.format(t=2), 2.0),
        ("\ufeff" + PLAYLIST.format(t=6), 6.0),
        (PLAYLIST.format(t=0), 0.5),
        (PLAYLIST.format(t=100000), MAX_TARGET_DURATION_S),
        (PLAYLIST.format(t="nan"), None),
        (PLAYLIST.format(t="inf"), None),
        (PLAYLIST.format(t="two"), None),
        ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", None),
        ("\x47\x40\x00\x10", None),
    ],
)
def test_the_target_duration_read_from_outside_is_bounded(text: str, target: float | None) -> None:
    assert target_duration_of(text) == target


@given(st.text(max_size=300))
def test_any_text_gives_a_bounded_target_duration_or_none(text: str) -> None:
    target = target_duration_of(text)
    assert target is None or 0.5 <= target <= MAX_TARGET_DURATION_S


@pytest.mark.parametrize(
    ("head", "content_type", "playlist"),
    [
        ("#EXTM3U\n", None, True),
        ("\ufeff#EXTM3U\n", "text/plain", True),
        ("", "application/vnd.apple.mpegurl; charset=utf-8", True),
        ("G@\x00", "video/mp2t", False),
        ("<html>", "text/html", False),
    ],
)
def test_a_playlist_is_known_by_its_first_line_or_its_content_type(
    head: str, content_type: str | None, playlist: bool
) -> None:
    assert is_playlist(head, content_type) is playlist


def test_an_http_source_is_allowed_the_burst_cap_until_its_gaps_are_learnt() -> None:
    deadline = StallDeadline(Delivery.BURSTS, STALE_S)
    for n in range(LEARN_GAPS):  # LEARN_GAPS advances = one gap fewer
        deadline.observe_advance(n * 1.5)
        assert deadline.allowance_s() == BURST_CAP_S
    assert deadline.input_timeout_s(1.0) == BURST_CAP_S


def test_an_http_source_sending_15s_bursts_learns_a_deadline_of_about_35s() -> None:
    deadline = StallDeadline(Delivery.BURSTS, STALE_S)
    at = 0.0
    for gap in (1.5, 2.0, 1.5, 1.5, 2.0, 1.5):  # bursts seen at the next 0.5 s progress block
        at += gap
        deadline.observe_advance(at)
    assert deadline.allowance_s() == pytest.approx(3.5)
    assert "bursts" in deadline.describe()


def test_an_http_source_sending_without_pause_keeps_about_the_stale_timeout() -> None:
    deadline = StallDeadline(Delivery.BURSTS, STALE_S)
    for n in range(30):
        deadline.observe_advance(n * 0.5)
    assert deadline.allowance_s() == pytest.approx(1.25)


@given(st.lists(st.floats(min_value=0.001, max_value=1000), min_size=0, max_size=60))
def test_a_learnt_deadline_stays_between_the_stale_timeout_and_the_cap(gaps: list[float]) -> None:
    deadline = StallDeadline(Delivery.BURSTS, STALE_S)
    at = 0.0
    deadline.observe_advance(at)
    for gap in gaps:
        at += gap
        deadline.observe_advance(at)
        assert STALE_S <= deadline.allowance_s() <= BURST_CAP_S


@given(st.lists(st.floats(min_value=0.1, max_value=3.0), min_size=LEARN_GAPS, max_size=40))
def test_a_learnt_deadline_is_longer_than_every_recent_gap_it_allows(gaps: list[float]) -> None:
    """A source that keeps its rhythm is never declared gone between two of its bursts."""
    deadline = StallDeadline(Delivery.BURSTS, STALE_S)
    at = 0.0
    deadline.observe_advance(at)
    for gap in gaps:
        at += gap
        deadline.observe_advance(at)
    assert deadline.allowance_s() > max(gaps[-20:])


@pytest.mark.parametrize(
    ("content_type", "stream"),
    [
        ("video/mp2t", True),
        ("Video/MP2T; charset=binary", True),
        ("audio/mp2t", True),
        ("application/vnd.apple.mpegurl", False),
        ("application/octet-stream", False),  # may be a playlist: its first bytes tell
        (None, False),
    ],
)
def test_a_media_content_type_is_a_stream_without_reading_its_body(
    content_type: str | None, stream: bool
) -> None:
    assert is_stream_type(content_type) is stream
