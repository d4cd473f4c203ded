"""Stream mapping and codec options per output profile.

``copy`` remuxes every video and audio stream as it is. A transcode profile
encodes H.264 (libx264) + AAC with a keyframe forced at every segment
boundary (``-force_key_frames`` on the segment length, scene cuts off), so
the GOP is the segment length whatever the source's frame rate and every
rendition of a ladder cuts its segments at the same instants.
"""

from __future__ import annotations

from typing import Final

from streamfleet.domain.profiles import Profile, Rendition

X264_PRESET: Final = "veryfast"
MAX_FPS_FOR_GOP: Final = 60
"""``-g`` is set above the forced interval at this frame rate, so x264 never adds its own."""


def seconds_text(seconds: float) -> str:
    """``2.0`` → ``"2"``, ``1.5`` → ``"1.5"``: how FFmpeg options show a duration."""
    return f"{seconds:g}"


def copy_args() -> list[str]:
    return ["-map", "0:v:0?", "-map", "0:a?", "-c", "copy"]


def gop_args(segment_seconds: float) -> list[str]:
    return [
        "-force_key_frames",
        f"expr:gte(t,n_forced*{seconds_text(segment_seconds)})",
        "-sc_threshold",
        "0",
        "-g",
        str(max(1, round(segment_seconds * MAX_FPS_FOR_GOP))),
    ]


def video_codec_args() -> list[str]:
    return ["-c:v", "libx264", "-preset", X264_PRESET, "-profile:v", "high", "-pix_fmt", "yuv420p"]


def rate_args(r: Rendition, video_spec: str = ":v", audio_spec: str = ":a") -> list[str]:
    return [
        f"-b{video_spec}",
        f"{r.video_kbps}k",
        f"-maxrate{video_spec}",
        f"{r.maxrate_kbps}k",
        f"-bufsize{video_spec}",
        f"{r.bufsize_kbps}k",
        f"-b{audio_spec}",
        f"{r.audio_kbps}k",
    ]


def audio_codec_args() -> list[str]:
    return ["-c:a", "aac", "-ac", "2", "-ar", "48000"]


def single_rendition_args(r: Rendition, segment_seconds: float) -> list[str]:
    return [
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-vf",
        f"scale=-2:{r.height}",
        *video_codec_args(),
        *rate_args(r),
        *gop_args(segment_seconds),
        *audio_codec_args(),
    ]


def ladder_filter(renditions: tuple[Rendition, ...]) -> str:
    """``[0:v:0]split=3[v0][v1][v2];[v0]scale=-2:1080[o0];…``"""
    n = len(renditions)
    split = f"[0:v:0]split={n}" + "".join(f"[v{i}]" for i in range(n))
    scales = [f"[v{i}]scale=-2:{r.height}[o{i}]" for i, r in enumerate(renditions)]
    return ";".join([split, *scales])


def ladder_args(renditions: tuple[Rendition, ...], segment_seconds: float) -> list[str]:
    """Every rendition gets its own video output and a copy of the first audio stream."""
    args = ["-filter_complex", ladder_filter(renditions)]
    for i in range(len(renditions)):
        args += ["-map", f"[o{i}]", "-map", "0:a:0"]
    args += video_codec_args()
    for i, r in enumerate(renditions):
        args += rate_args(r, video_spec=f":v:{i}", audio_spec=f":a:{i}")
    return [*args, *gop_args(segment_seconds), *audio_codec_args()]


def var_stream_map(renditions: tuple[Rendition, ...]) -> str:
    """``v:0,a:0,name:1080p v:1,a:1,name:720p …``: one HLS variant per rendition."""
    return " ".join(f"v:{i},a:{i},name:{r.name}" for i, r in enumerate(renditions))


def encode_args(profile: Profile, segment_seconds: float) -> list[str]:
    if profile.is_copy:
        return copy_args()
    if profile.is_ladder:
        return ladder_args(profile.renditions, segment_seconds)
    return single_rendition_args(profile.renditions[0], segment_seconds)
