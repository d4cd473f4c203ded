"""Contender (a): N plain ``ffmpeg -i udp://… -c copy -f hls`` processes, the floor.

No supervisor, no progress pipe, no health: what any FFmpeg-based system must
at least cost for the same output (same segment length and list size as
streamfleet's defaults).
"""

from __future__ import annotations

from pathlib import Path

from bench.contenders.base import Contender, RunContext
from bench.feeders import udp_push_url
from bench.ports import LOOPBACK, free_udp_ports
from bench.process_group import Child, spawn, stop_all
from bench.results import BARE

INPUT_TIMEOUT_US = 2_000_000
HLS_FLAGS = "delete_segments+temp_file+independent_segments+program_date_time+omit_endlist"


def bare_ffmpeg_args(
    ffmpeg: str, port: int, playlist: Path, segment_seconds: float, list_size: int
) -> list[str]:
    return [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        f"udp://{LOOPBACK}:{port}?timeout={INPUT_TIMEOUT_US}",
        "-c",
        "copy",
        "-f",
        "hls",
        "-hls_time",
        f"{segment_seconds:g}",
        "-hls_list_size",
        str(list_size),
        "-hls_flags",
        HLS_FLAGS,
        str(playlist),
    ]


def channel_name(index: int) -> str:
    return f"ch{index:02d}"


class BareFfmpeg(Contender):
    name = BARE
    feed_kind = "udp"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self._ports = free_udp_ports(ctx.channels)
        self._children: list[Child] = []
        self._hls = ctx.work_dir / "hls"
        self._logs = ctx.work_dir / "logs"

    def feed_targets(self) -> list[str]:
        return [udp_push_url(port) for port in self._ports]

    async def launch(self) -> None:
        self._logs.mkdir(parents=True, exist_ok=True)
        for index, port in enumerate(self._ports):
            playlist = self._playlist(index)
            playlist.parent.mkdir(parents=True, exist_ok=True)
            args = bare_ffmpeg_args(
                self.ctx.ffmpeg, port, playlist, self.segment_seconds, self.list_size
            )
            self._children.append(
                spawn(
                    args,
                    name=f"bare-{index}",
                    log_path=self._logs / f"{channel_name(index)}.log",
                )
            )

    def _playlist(self, index: int) -> Path:
        return self._hls / channel_name(index) / "index.m3u8"

    def playlist_paths(self) -> dict[str, Path]:
        return {channel_name(i): self._playlist(i) for i in range(len(self._ports))}

    def root_pids(self) -> list[int]:
        return [child.pid for child in self._children]

    async def stop(self) -> None:
        stop_all(self._children)
        self._children.clear()
