"""The one test clip every source loops: 720p25 H.264 ~3 Mb/s + AAC, GOP 2 s, MPEG-TS.

Generated once with FFmpeg's lavfi sources and cached in ``bench/.cache/``; the
file name carries a hash of the arguments, so changing them makes a new clip.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from bench.process_group import spawn

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
CLIP_SECONDS = 20
"""Long enough that the loop seam (a segment of two GOPs) is rare, short enough to make fast."""
FPS = 25
GOP_FRAMES = 2 * FPS
ENCODE_TIMEOUT_S = 300.0


def clip_args(output: Path, seconds: int = CLIP_SECONDS) -> list[str]:
    """FFmpeg arguments (after the binary) that write the clip to ``output``."""
    return [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size=1280x720:rate={FPS}",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000",
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-b:v",
        "3M",
        "-maxrate",
        "3M",
        "-bufsize",
        "6M",
        "-g",
        str(GOP_FRAMES),
        "-keyint_min",
        str(GOP_FRAMES),
        "-sc_threshold",
        "0",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ac",
        "2",
        "-f",
        "mpegts",
        str(output),
    ]


def clip_name(seconds: int = CLIP_SECONDS) -> str:
    digest = hashlib.sha256(" ".join(clip_args(Path("x"), seconds)).encode()).hexdigest()[:12]
    return f"clip-720p25-3M-g{GOP_FRAMES}-{seconds}s-{digest}.ts"


class ClipError(RuntimeError):
    """The clip could not be generated; the message holds FFmpeg's last words."""


def ensure_clip(ffmpeg: str, cache_dir: Path = CACHE_DIR, seconds: int = CLIP_SECONDS) -> Path:
    """The cached clip, generated first if missing (atomically, so parallel runs are safe)."""
    target = cache_dir / clip_name(seconds)
    if target.is_file() and target.stat().st_size > 0:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cache_dir / f".{target.name}.{os.getpid()}.partial"
    log = cache_dir / f".{target.name}.{os.getpid()}.log"
    child = spawn([ffmpeg, *clip_args(partial, seconds)], name="clip", log_path=log)
    try:
        code = child.popen.wait(timeout=ENCODE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        code = -1
    try:
        if code != 0 or not partial.is_file():
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            raise ClipError(f"clip generation failed (exit {code}): {' | '.join(tail)}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
    return target
