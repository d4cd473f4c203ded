"""A copy channel's stream probe opens only audio decoders (``input_args.probe_decoder_args``):
the real FFmpeg child runs with the list, goes online, and its segments keep the source's
video size and its audio, AAC or MP2, at the source's sample rate."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import av
import pytest

from streamfleet.domain.status import Status
from streamfleet.engine.process import Spawner
from streamfleet.media.playlist_summary import summarize
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
MP2_RATE = 44100


async def mp2_clip(ffmpeg: str, clip: Path, out: Path) -> Path:
    """``clip`` with its AAC audio re-encoded to MPEG-1 Layer II at 44.1 kHz."""
    argv = [ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(clip), "-c:v", "copy"]
    argv += ["-c:a", "mp2", "-ar", str(MP2_RATE), "-f", "mpegts", str(out)]
    child = await Spawner().spawn(argv, capture=False)
    try:
        assert await asyncio.wait_for(child.wait(), 60) == 0
    finally:
        await child.stop(5)
    return out


def listed_segments(playlist: Path) -> list[str]:
    try:
        summary = summarize(playlist.read_text())
    except OSError:
        return []
    return list(summary.segments) if summary is not None else []


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def streams(segment: Path) -> tuple[tuple[str, int, int], tuple[str, int]]:
    """(video codec, width, height), (audio codec, sample rate) of a segment's first streams."""
    with av.open(str(segment)) as container:
        video = container.streams.video[0].codec_context
        audio = container.streams.audio[0].codec_context
        return (video.name, video.width, video.height), (audio.name, audio.sample_rate)


@pytest.mark.parametrize("audio", ["aac", "mp2"])
async def test_a_copy_channels_probe_may_open_only_audio_decoders_and_keeps_every_stream(
    audio: str, feeders: Feeders, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    clip = feeders.clip
    if audio == "mp2":
        clip = await mp2_clip(feeders.ffmpeg, clip, tmp_path / "mp2.ts")
    feeder = await feeders.start(clip=clip)
    engine = await engine_factory([udp_channel(1, channel_url(feeder))])
    await engine.wait_status(1, Status.ONLINE, 20)

    state = engine.supervisor.state(1)
    assert state is not None
    assert state.pid is not None
    argv = cmdline(state.pid)
    allowed = argv[argv.index("-codec_whitelist") + 1].split(",")
    assert argv.index("-codec_whitelist") < argv.index("-i")
    assert {"aac", "mp2", "ac3", "opus"} <= set(allowed)
    assert not {"h264", "hevc", "mpeg2video"} & set(allowed)

    playlist = engine.settings.hls_dir.resolve() / "ch1" / "index.m3u8"
    listed = await wait_until(lambda: listed_segments(playlist), 20, "a listed segment")
    video, sound = streams(playlist.parent / listed[0])
    assert video == ("h264", 640, 360)
    assert sound == (audio, 48000 if audio == "aac" else MP2_RATE)
    tail = engine.supervisor.log_tail(1)
    assert not [line for line in tail if "not on whitelist" in line or "Failed to open" in line]
