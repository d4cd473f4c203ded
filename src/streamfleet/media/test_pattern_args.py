"""Argument lists for synthetic sources: a test-pattern clip made once with lavfi, then looped.

The clip is H.264 + AAC in MPEG-TS with a keyframe every ``gop_s`` seconds
(scene cuts off), like a well-behaved broadcast feed. A feeder loops it in
real time with ``-c copy`` (no encoding, about 1 % of a core) to a loopback
UDP or SRT address. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Final

from streamfleet.media.encode_args import seconds_text

UDP_PACKET_SIZE: Final = 1316


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """A synthetic clip: a lavfi video source and a sine tone."""

    video: str = "testsrc2"
    """A lavfi video source (``testsrc2``, ``gradients``, ``smptehdbars``, ``life`` …), with
    options if wanted (``life=mold=10``); size and rate are added."""
    width: int = 640
    height: int = 360
    fps: int = 25
    seconds: float = 10.0
    gop_s: float = 2.0
    tone_hz: int = 1000
    video_kbps: int = 800
    audio: bool = True

    @property
    def file_name(self) -> str:
        """A name that changes whenever the spec does (the clip cache key)."""
        video = re.sub(r"[^A-Za-z0-9]+", "-", self.video).strip("-")
        return (
            f"{video}-{self.width}x{self.height}-{self.fps}fps-{seconds_text(self.seconds)}s"
            f"-g{seconds_text(self.gop_s)}-{self.tone_hz if self.audio else 'mute'}hz"
            f"-{self.video_kbps}k.ts"
        )


def clip_args(ffmpeg: str, spec: PatternSpec, out: PurePath) -> list[str]:
    gop = max(1, round(spec.fps * spec.gop_s))
    tone = ["-f", "lavfi", "-i", f"sine=frequency={spec.tone_hz}:sample_rate=48000"]
    audio = ["-c:a", "aac", "-b:a", "96k", "-ac", "2"] if spec.audio else ["-an"]
    return [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        f"{spec.video}{':' if '=' in spec.video else '='}size={spec.width}x{spec.height}"
        f":rate={spec.fps}",
        *(tone if spec.audio else []),
        "-t",
        seconds_text(spec.seconds),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-b:v",
        f"{spec.video_kbps}k",
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
        *audio,
        "-f",
        "mpegts",
        "-y",
        str(out),
    ]


def udp_feed_url(port: int, host: str = "127.0.0.1") -> str:
    return f"udp://{host}:{port}?pkt_size={UDP_PACKET_SIZE}"


def feeder_args(
    ffmpeg: str,
    clip: PurePath,
    url: str,
    muxer: str = "mpegts",
    *,
    listen: bool = False,
    rate: float = 1.0,
) -> list[str]:
    """Loop ``clip`` forever at ``rate`` x real time to ``url`` (MPEG-TS over ``udp://`` or
    ``srt://`` by default; ``flv`` for RTMP, ``rtp_mpegts`` for RTP). ``listen``: serve one
    RTMP client. A rate below 1 makes a source that falls behind real time."""
    pace = ["-re"] if rate == 1.0 else ["-readrate", seconds_text(rate)]
    return [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        *pace,
        "-stream_loop",
        "-1",
        "-i",
        str(clip),
        "-c",
        "copy",
        "-f",
        muxer,
        *(["-listen", "1"] if listen else []),
        url,
    ]
