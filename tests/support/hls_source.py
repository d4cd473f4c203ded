"""Real HLS output from real FFmpeg on lavfi sources, for the thumbnail and media tests.

``render_hls`` runs FFmpeg to completion (segments of a known clip);
``live_hls`` keeps one running in real time (``-re``) and stops it on exit. Both
spawn through the engine's ``Spawner``: own process group, parent-death signal.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import imageio_ffmpeg

from streamfleet.engine.process import Child, Spawner

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
RENDER_TIMEOUT_S = 60.0

MOVING_PATTERN = "testsrc2=size=320x180:rate=25"
TONE = "sine=frequency=440:sample_rate=48000"
H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p"]


def black_then_pattern(black_s: float, size: str = "320x180") -> str:
    return (
        f"color=c=black:s={size}:r=25:d={black_s}[b];testsrc2=s={size}:r=25[t];"
        "[b][t]concat=n=2:v=1:a=0[out0]"
    )


def silence_then_tone(silent_s: float) -> str:
    return (
        f"anullsrc=r=48000:cl=stereo:d={silent_s}[s];sine=f=440:r=48000[t];"
        "[s][t]concat=n=2:v=0:a=1[out0]"
    )


def hls_args(
    out_dir: Path,
    *,
    video: str = MOVING_PATTERN,
    audio: str | None = TONE,
    seconds: float | None = None,
    segment_s: float = 1.0,
    video_codec: Sequence[str] = H264,
    realtime: bool = False,
    list_size: int = 0,
    segment_name: str = "index%d.ts",
    playlist_name: str = "index.m3u8",
) -> list[str]:
    """An FFmpeg argument list writing ``out_dir/index.m3u8`` with MPEG-TS segments."""
    gop = max(1, round(25 * segment_s))
    args = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error"]
    re = ["-re"] if realtime else []
    args += [*re, "-f", "lavfi", "-i", video]
    if audio is not None:
        args += [*re, "-f", "lavfi", "-i", audio]
    if seconds is not None:
        args += ["-t", str(seconds)]
    args += [*video_codec, "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0"]
    if audio is not None:
        args += ["-c:a", "aac", "-b:a", "96k"]
    flags = "temp_file" + ("+delete_segments" if list_size else "")
    args += [
        "-f", "hls", "-hls_time", str(segment_s), "-hls_list_size", str(list_size),
        "-hls_flags", flags, "-hls_segment_filename", str(out_dir / segment_name),
        str(out_dir / playlist_name),
    ]  # fmt: skip
    return args


async def render_hls(out_dir: Path, **options: object) -> Path:
    """Run FFmpeg to the end; returns ``out_dir`` holding the playlist and segments."""
    out_dir.mkdir(parents=True, exist_ok=True)
    child = await Spawner().spawn(hls_args(out_dir, **options), capture=True)  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(child.wait(), RENDER_TIMEOUT_S)
    finally:
        await child.stop(3.0)
    assert child.stderr is not None
    errors = (await child.stderr.read()).decode(errors="replace")
    assert child.returncode == 0, errors
    return out_dir


@contextlib.asynccontextmanager
async def live_hls(out_dir: Path, **options: object) -> AsyncIterator[Child]:
    """FFmpeg writing HLS in real time until the block ends (then stopped and reaped)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    options.setdefault("realtime", True)
    options.setdefault("list_size", 6)
    child = await Spawner().spawn(hls_args(out_dir, **options), capture=False)  # type: ignore[arg-type]
    try:
        yield child
    finally:
        await child.stop(3.0)
