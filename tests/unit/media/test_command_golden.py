"""The FFmpeg argument list of every profile and source kind, pinned in ``golden/<case>.json``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath

import pytest

from streamfleet.domain.channel import Channel, HlsOverrides, IngestMode
from streamfleet.media.command import EngineOptions, SourceRole, build_args

OPTIONS = EngineOptions(ffmpeg="ffmpeg", segment_seconds=2.0, list_size=6, input_timeout_s=1.0)
OUT = PurePosixPath("/srv/data/hls/news")
PASSPHRASE = "correct-horse-battery"

SOURCES = {
    "udp": "udp://239.0.0.1:1234",
    "rtp": "rtp://239.0.0.2:5004",
    "rtmp": "rtmp://origin.example.com/live/news",
    "rtmps": "rtmps://origin.example.com/live/news",
    "srt": "srt://origin.example.com:9000?mode=caller&latency=200000",
    "rist": "rist://origin.example.com:8193",
    "rtsp": "rtsp://camera.example.com:554/stream1",
    "rtsps": "rtsps://camera.example.com:322/stream1",
    "http": "http://cdn.example.com/live/news.m3u8",
    "https": "https://cdn.example.com/live/news.m3u8",
}


def channel(url: str = SOURCES["udp"], **changes: object) -> Channel:
    base = Channel(id=1, slug="news", name="News", input_url=url)
    return replace(base, **changes)  # type: ignore[arg-type]


def listening(**changes: object) -> Channel:
    return channel(
        "srt://0.0.0.0:10001",
        ingest_mode=IngestMode.LISTEN_SRT,
        listen_port=10001,
        passphrase=PASSPHRASE,
        **changes,
    )


CASES: dict[str, tuple[Channel, SourceRole]] = {
    **{f"copy-{kind}": (channel(url), SourceRole.PRIMARY) for kind, url in SOURCES.items()},
    "copy-srt_listen": (listening(), SourceRole.PRIMARY),
    **{
        f"{profile}-{kind}": (
            listening(profile=profile) if kind == "srt_listen" else channel(profile=profile),
            SourceRole.PRIMARY,
        )
        for profile in ("720p", "480p", "abr-3")
        for kind in ("udp", "srt_listen")
    },
    "720p-https": (channel(SOURCES["https"], profile="720p"), SourceRole.PRIMARY),
    "copy-rtmp_push": (
        channel("", id=7, ingest_mode=IngestMode.PUSH_RTMP, stream_key_sha256="0" * 64),
        SourceRole.PRIMARY,
    ),
    "copy-udp-backup": (
        channel(backup_url="rtmp://backup.example.com/live/news"),
        SourceRole.BACKUP,
    ),
    "copy-udp-hls_overrides": (
        channel(hls=HlsOverrides(segment_seconds=4.0, list_size=10)),
        SourceRole.PRIMARY,
    ),
    "copy-udp-recording": (channel(recording=True), SourceRole.PRIMARY),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_argument_list_matches_its_golden_file(
    case: str, golden: Callable[[str, list[str]], None]
) -> None:
    ch, source = CASES[case]
    argv = build_args(ch, OPTIONS, OUT, segment_prefix="a1764770400000", source=source)
    golden(case, argv)
