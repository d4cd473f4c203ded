"""FFmpeg publishers pushing a generated stream over RTMP, as a camera or an encoder would.

``Publishers.start(url)`` runs one in its own process group; ``stop()`` kills them all.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path


def publisher_args(ffmpeg: str, url: str) -> list[str]:
    """A generated picture and tone, encoded live and pushed as FLV to ``url``."""
    return [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
        "-f", "flv", url,
    ]  # fmt: skip


class Publishers:
    """FFmpeg publishers, each in its own process group, all killed at the end."""

    def __init__(self, ffmpeg: str, directory: Path) -> None:
        self.ffmpeg = ffmpeg
        self.directory = directory
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, url: str) -> subprocess.Popen[bytes]:
        log = self.directory / f"publisher{len(self.processes)}.log"
        with log.open("wb") as err:
            process = subprocess.Popen(
                publisher_args(self.ffmpeg, url),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
