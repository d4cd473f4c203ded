"""Where the programs the benchmark drives live, and which versions they are."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

NGINX_RTMP_MODULE_PATHS = (
    Path("/usr/share/nginx/modules/ngx_rtmp_module.so"),
    Path("/usr/lib/nginx/modules/ngx_rtmp_module.so"),
)
VERSION_TIMEOUT_S = 10.0


def ffmpeg_path() -> str:
    """The FFmpeg of the ``imageio-ffmpeg`` wheel: the one streamfleet runs by default."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def nginx_path() -> str | None:
    found = shutil.which("nginx")
    if found is None and Path("/usr/sbin/nginx").is_file():
        found = "/usr/sbin/nginx"
    return found


def rtmp_module_path() -> Path | None:
    return next((p for p in NGINX_RTMP_MODULE_PATHS if p.is_file()), None)


def streamfleet_path() -> str | None:
    """The ``streamfleet`` console script of this virtual environment."""
    beside = Path(sys.executable).parent / "streamfleet"
    if beside.is_file():
        return str(beside)
    return shutil.which("streamfleet")


def _first_line(args: list[str]) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=VERSION_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc.__class__.__name__})"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def ffmpeg_version(ffmpeg: str | None = None) -> str:
    """``FFmpeg n9.0.2-…`` from the first line of ``ffmpeg -version`` (the wheel's, or
    ``ffmpeg``'s)."""
    words = _first_line([ffmpeg or ffmpeg_path(), "-hide_banner", "-version"]).split()
    return f"FFmpeg {words[2]}" if len(words) > 2 and words[1] == "version" else " ".join(words)


def nginx_version() -> str | None:
    """``nginx/1.22.1`` from ``nginx -v``; None when nginx is not installed."""
    nginx = nginx_path()
    if nginx is None:
        return None
    return _first_line([nginx, "-v"]).removeprefix("nginx version: ")


def debian_package_version(package: str) -> str | None:
    if shutil.which("dpkg-query") is None:
        return None
    try:
        done = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package],
            capture_output=True,
            text=True,
            timeout=VERSION_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None
