"""The N live sources: one FFmpeg per channel looping the clip in real time with ``-c copy``.

Feeders are children of the benchmark, never of a contender, so their CPU is
never counted as the contender's. Every contender gets the same feeders: MPEG-TS
over loopback UDP, or FLV over RTMP for nginx-rtmp.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from bench.ports import LOOPBACK
from bench.process_group import Child, spawn, stop_all
from streamfleet.media.test_pattern_args import feeder_args as test_pattern_feeder_args
from streamfleet.media.test_pattern_args import udp_feed_url

FeedKind = Literal["udp", "rtmp"]


def udp_push_url(port: int) -> str:
    return udp_feed_url(port, LOOPBACK)


def rtmp_push_url(port: int, stream: str) -> str:
    return f"rtmp://{LOOPBACK}:{port}/live/{stream}"


def feeder_args(ffmpeg: str, clip: Path, target_url: str) -> list[str]:
    """One feeder: loop ``clip`` forever in real time, copy it to ``target_url``.

    The same arguments as the product's demo sources (``media.test_pattern_args``).
    """
    muxer = "flv" if target_url.startswith("rtmp://") else "mpegts"
    return test_pattern_feeder_args(ffmpeg, clip, target_url, muxer)


class FeederSet:
    """N feeders by index; any one can be stopped (SIGKILL, like a source dying) and restarted."""

    def __init__(self, ffmpeg: str, clip: Path, targets: Sequence[str], log_dir: Path) -> None:
        self._ffmpeg = ffmpeg
        self._clip = clip
        self.targets = list(targets)
        self._log_dir = log_dir
        self._children: dict[int, Child] = {}

    def __len__(self) -> int:
        return len(self.targets)

    def start(self, index: int) -> float:
        """Start feeder ``index``; returns the wall-clock instant (``time.time()``) it started."""
        if index in self._children and self._children[index].alive():
            raise RuntimeError(f"feeder {index} already runs")
        self._log_dir.mkdir(parents=True, exist_ok=True)
        self._children[index] = spawn(
            feeder_args(self._ffmpeg, self._clip, self.targets[index]),
            name=f"feeder-{index}",
            log_path=self._log_dir / f"feeder-{index:03d}.log",
        )
        return time.time()

    def start_all(self) -> None:
        for index in range(len(self.targets)):
            self.start(index)

    def kill(self, index: int) -> float:
        """Stop feeder ``index`` abruptly; returns the wall-clock instant the source went silent."""
        self._children[index].kill()
        return time.time()

    def pids(self) -> list[int]:
        return [child.pid for child in self._children.values() if child.alive()]

    def running(self) -> int:
        return sum(1 for child in self._children.values() if child.alive())

    def stop_all(self) -> None:
        stop_all(list(self._children.values()))
        self._children.clear()
