"""Which FFmpeg runs a channel: the copy binary (``Settings.copy_ffmpeg_path``) for a copy
channel whose source it can read, the server's for everything else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.engine.context import copy_binary
from streamfleet.media.command import CopyBinary, EngineOptions, SourceRole, build_args

# what the lean build of deploy/ffmpeg/build-lean.sh reads (its `-protocols` inputs and
# `-demuxers`, as `ffmpeg_decoders.input_names` gives them)
LEAN_READS = frozenset(
    [
        "3g2",
        "3gp",
        "aac",
        "ac3",
        "asf",
        "crypto",
        "eac3",
        "file",
        "flv",
        "h264",
        "hevc",
        "hls",
        "http",
        "live_flv",
        "m4a",
        "matroska",
        "mj2",
        "mov",
        "mp4",
        "mpegts",
        "pipe",
        "rm",
        "rtmp",
        "rtp",
        "rtsp",
        "sdp",
        "tcp",
        "udp",
        "webm",
    ]
)
LEAN = CopyBinary(path="/opt/ffmpeg-lean/bin/ffmpeg", readable=LEAN_READS, probe_decoders=("aac",))
OPTIONS = EngineOptions(
    ffmpeg="ffmpeg",
    segment_seconds=2.0,
    list_size=6,
    input_timeout_s=1.0,
    probe_decoders=("aac", "mp2", "opus"),
    copy_binary=LEAN,
)
OUT = PurePosixPath("/srv/data/hls/news")


def channel(url: str, profile: str = "copy", **fields: object) -> Channel:
    return Channel(id=1, slug="news", name="News", input_url=url, profile=profile, **fields)  # type: ignore[arg-type]


def argv(ch: Channel, options: EngineOptions = OPTIONS, **kw: object) -> list[str]:
    return build_args(ch, options, OUT, segment_prefix="a0_", **kw)  # type: ignore[arg-type]


def whitelisted_decoders(args: list[str]) -> list[str]:
    return args[args.index("-codec_whitelist") + 1].split(",")


@pytest.mark.parametrize(
    "url",
    [
        "udp://239.0.0.1:1234",
        "rtp://239.0.0.2:5004",
        "rtmp://origin.example.com/live/news",
        "rtsp://camera.example.com:554/stream1",
        "http://cdn.example.com/live/news.m3u8",
    ],
)
def test_a_copy_channel_runs_the_copy_binary_with_its_own_decoders(url: str) -> None:
    args = argv(channel(url))
    assert args[0] == LEAN.path
    assert whitelisted_decoders(args) == ["aac"]
    assert args.count(url) + args.count(f"{url}?timeout=1000000") == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.com/live/news.m3u8",
        "rtmps://origin.example.com/live/news",
        "rtsps://camera.example.com:322/stream1",
        "srt://origin.example.com:9000?mode=caller&latency=200000",
        "rist://origin.example.com:8193",
    ],
)
def test_a_source_the_copy_binary_cannot_read_runs_the_servers_ffmpeg(url: str) -> None:
    args = argv(channel(url))
    assert args[0] == "ffmpeg"
    assert whitelisted_decoders(args) == ["aac", "mp2", "opus"]


def test_a_transcoding_channel_runs_the_servers_ffmpeg() -> None:
    args = argv(channel("udp://239.0.0.1:1234", profile="720p"))
    assert args[0] == "ffmpeg"
    assert "-codec_whitelist" not in args


def test_the_choice_follows_the_source_being_read_primary_or_backup() -> None:
    ch = channel("udp://239.0.0.1:1234", backup_url="https://cdn.example.com/backup.m3u8")
    assert argv(ch)[0] == LEAN.path
    assert argv(ch, source=SourceRole.BACKUP)[0] == "ffmpeg"


def test_without_a_copy_binary_the_servers_ffmpeg_runs_every_channel() -> None:
    assert argv(channel("udp://239.0.0.1:1234"), replace(OPTIONS, copy_binary=None))[0] == "ffmpeg"


def test_the_copy_binary_setting_is_read_from_the_binary_itself(tmp_path: Path) -> None:
    assert copy_binary("") is None
    assert copy_binary(str(tmp_path / "missing-ffmpeg")) is None
    assert copy_binary("/bin/false") is None
    real = Settings().resolved_ffmpeg_path()
    found = copy_binary(real)
    assert found is not None
    assert found.path == real
    assert found.reads("udp://239.0.0.1:1234")
    assert found.reads("https://cdn.example.com/live/news.m3u8")
    assert "aac" in found.probe_decoders
