"""The machine and the software a run measured on, for the report's header."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench.binaries import debian_package_version, ffmpeg_version, nginx_version

REPO_ROOT = Path(__file__).resolve().parent.parent


def machine_info() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "memory_mib": _meminfo_mib("MemTotal"),
        "cpu_model": _cpu_model(),
        "kernel": platform.release(),
        "hostname": platform.node(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
    }


def versions(copy_ffmpeg: str | None = None) -> dict[str, Any]:
    """The programs' versions; ``copy_ffmpeg``: the FFmpeg streamfleet's copy channels ran."""
    return {
        "python": platform.python_version(),
        "streamfleet": _package_version("streamfleet"),
        "git_commit": _git_commit(),
        "ffmpeg": ffmpeg_version(),
        "copy_ffmpeg": f"{ffmpeg_version(copy_ffmpeg)} at {copy_ffmpeg}" if copy_ffmpeg else None,
        "nginx": nginx_version(),
        "libnginx-mod-rtmp": debian_package_version("libnginx-mod-rtmp"),
        "uvicorn": _package_version("uvicorn"),
        "websockets": _package_version("websockets"),
    }


def _meminfo_mib(key: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
