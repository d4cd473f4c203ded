"""Contender (b): ``streamfleet serve`` with its default features, channels made over the API.

Health, thumbnails at the default interval and the live-event WebSocket (with
``ws_clients`` dashboard clients connected) are on; recording is off. Besides
CPU and PSS it measures how fast the product reacts: offline detection and
recovery after sources are stopped and restarted, WebSocket delivery delay,
``GET /api/v1/channels`` under concurrency, and false offline reports.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.binaries import streamfleet_path
from bench.contenders.base import Contender, ContenderFailed, ContenderUnavailable, RunContext
from bench.contenders.streamfleet_api import (
    THUMBNAIL_CPU_METRIC,
    CreatedChannel,
    admin_token,
    create_channels,
    engine_missing,
    list_channels_latencies,
    scrape_metric,
    wait_ready,
)
from bench.contenders.streamfleet_ws import WsAudience
from bench.feeders import FeederSet, udp_push_url
from bench.ports import LOOPBACK, free_tcp_port, free_udp_ports
from bench.process_group import Child, kill_pids, spawn
from bench.procstat import snapshot_tree
from bench.profile_summary import summarize_collapsed
from bench.results import STREAMFLEET, ContenderResult, StreamfleetFigures
from bench.status_timeline import OFFLINE, ONLINE
from bench.targets import latency_summary

SERVE_READY_TIMEOUT_S = 60.0
SERVE_STOP_TIMEOUT_S = 15.0
HELP_TIMEOUT_S = 60.0
PHASE_POLL_S = 0.05
ONLINE_WAIT_S = 30.0
"""After the playlists advance, how long to wait for every ``online`` report."""


def default_segment_seconds() -> float:
    """streamfleet's default HLS segment length, the recovery target's base."""
    from streamfleet.config import Settings

    return float(Settings.model_fields["hls_segment_seconds"].default)


def serve_env(data_dir: Path, copy_ffmpeg: str | None = None) -> dict[str, str]:
    """The parent's environment without any ``STREAMFLEET_*``, plus the scratch data dir (and
    the copy channels' FFmpeg, ``--copy-ffmpeg``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMFLEET_")}
    env["STREAMFLEET_DATA_DIR"] = str(data_dir)
    env["STREAMFLEET_DEMO"] = "false"
    if copy_ffmpeg:
        env["STREAMFLEET_COPY_FFMPEG_PATH"] = copy_ffmpeg
    return env


def channel_body(index: int, port: int, *, recording: bool = False) -> dict[str, object]:
    return {
        "name": f"bench-{index:02d}",
        "input_url": f"udp://{LOOPBACK}:{port}",
        "recording": recording,
    }


def spread(count: int, total: int) -> list[int]:
    """``count`` indices spread evenly over ``range(total)``."""
    if count <= 0 or total <= 0:
        return []
    count = min(count, total)
    return sorted({(j * total) // count for j in range(count)})


class Streamfleet(Contender):
    name = STREAMFLEET
    feed_kind = "udp"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.segment_seconds = default_segment_seconds()
        self._ports = free_udp_ports(ctx.channels)
        self._api_port = free_tcp_port()
        self._base_url = f"http://{LOOPBACK}:{self._api_port}"
        self._data_dir = ctx.work_dir / "data"
        self._serve: Child | None = None
        self._audience: WsAudience | None = None
        self._channels: list[CreatedChannel] = []
        self._token: str | None = None
        self._created_at = 0.0
        self._window_started_at = 0.0
        self._thumb_cpu_before: float | None = None
        self._profiler: Child | None = None
        self.figures = StreamfleetFigures(segment_seconds=self.segment_seconds)

    def _command(self) -> str | None:
        return self.ctx.options.streamfleet_command or streamfleet_path()

    def check(self) -> None:
        command = self._command()
        if command is None:
            raise ContenderUnavailable("the streamfleet command is not installed in this venv")
        try:
            done = subprocess.run(
                [command, "serve", "--help"],
                capture_output=True,
                text=True,
                timeout=HELP_TIMEOUT_S,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ContenderUnavailable(f"streamfleet serve --help failed: {exc}") from None
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ContenderUnavailable(f"streamfleet serve is not available yet: {last[0]}")

    async def prepare(self) -> None:
        command = self._command()
        assert command is not None
        self._data_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        self._serve = spawn(
            [command, "serve", "--no-demo", "--host", LOOPBACK, "--port", str(self._api_port)],
            name="streamfleet-serve",
            log_path=self.ctx.work_dir / "serve.log",
            stdout_to_log=True,
            env=serve_env(self._data_dir, self.ctx.options.copy_ffmpeg),
        )
        serve = self._serve
        await wait_ready(self._base_url, SERVE_READY_TIMEOUT_S, serve.alive)
        self.figures.serve_ready_s = round(time.monotonic() - started, 3)
        self._token = await admin_token(self._base_url, self._data_dir)
        self.figures.ws_clients = self.ctx.options.ws_clients
        self._audience = WsAudience(
            f"ws://{LOOPBACK}:{self._api_port}/api/v1/ws",
            self.ctx.options.ws_clients,
            self.ctx.work_dir / "ws-watch.log",
            token=self._token,
        )
        await self._audience.start(ready_timeout_s=30.0)

    def feed_targets(self) -> list[str]:
        return [udp_push_url(port) for port in self._ports]

    async def launch(self) -> None:
        recording = self.ctx.options.recording
        bodies = [channel_body(i, port, recording=recording) for i, port in enumerate(self._ports)]
        self._created_at = time.time()
        self._channels = await create_channels(self._base_url, bodies, token=self._token)
        self.figures.create_s = round(time.time() - self._created_at, 3)

    def playlist_paths(self) -> dict[str, Path]:
        hls_root = self._data_dir / "hls"
        return {
            c.slug: hls_root / c.hls_url.removeprefix("/hls/").lstrip("/") for c in self._channels
        }

    def root_pids(self) -> list[int]:
        return [self._serve.pid] if self._serve is not None and self._serve.alive() else []

    async def explain_stall(self) -> None:
        if self._channels and await engine_missing(
            self._base_url, self._channels[0].id, token=self._token
        ):
            raise ContenderUnavailable(
                "streamfleet serve runs no stream engine yet "
                "(POST /api/v1/channels/{id}/start answered 503)"
            )

    def _slugs(self) -> list[str]:
        return [c.slug for c in self._channels]

    async def window_started(self) -> None:
        audience = self._require_audience()
        deadline = time.monotonic() + ONLINE_WAIT_S
        while audience.timeline.all_reached(self._slugs(), ONLINE, self._created_at) is None:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(PHASE_POLL_S)
        online_at = audience.timeline.all_reached(self._slugs(), ONLINE, self._created_at)
        if online_at is not None:
            self.figures.all_online_s = round(online_at - self._created_at, 3)
        self._thumb_cpu_before = await scrape_metric(self._base_url, THUMBNAIL_CPU_METRIC)
        self._start_profiler()
        self._window_started_at = time.time()

    async def window_ended(self, cpu_seconds: float, result: ContenderResult) -> None:
        audience = self._require_audience()
        window_ended_at = time.time()
        self.figures.false_offline_in_window = audience.timeline.count(
            self._slugs(), OFFLINE, self._window_started_at, window_ended_at
        )
        self.figures.window_status_changes = audience.timeline.changes_by_status(
            self._slugs(), self._window_started_at, window_ended_at
        )
        after = await scrape_metric(self._base_url, THUMBNAIL_CPU_METRIC)
        if after is not None and self._thumb_cpu_before is not None:
            self.figures.thumbnail_cpu_s = round(after - self._thumb_cpu_before, 3)
            if cpu_seconds > 0:
                self.figures.thumbnail_cpu_share = round(
                    self.figures.thumbnail_cpu_s / cpu_seconds, 4
                )
        self._stop_profiler()
        result.streamfleet = self.figures

    async def after_window(self, feeders: FeederSet, result: ContenderResult) -> None:
        options, progress = self.ctx.options, self.ctx.progress
        progress.phase(f"{self.name}: GET /api/v1/channels x{options.api_concurrency}")
        self.figures.api_list = await list_channels_latencies(
            self._base_url, options.api_concurrency, options.api_requests, token=self._token
        )
        progress.phase(f"{self.name}: offline and recovery")
        stopped = spread(options.sources_to_stop, len(self._channels))
        await self._offline_and_recovery(feeders, stopped)
        audience = self._require_audience()
        healthy = [c.slug for i, c in enumerate(self._channels) if i not in set(stopped)]
        false_offline = audience.timeline.false_offline_reports(healthy)
        self.figures.false_offline_events = len(false_offline)
        self.figures.false_offline_reports = [
            {
                "channel": seen.channel,
                "at_s": round(seen.received_at - self._created_at, 3),
                "reason": seen.reason,
            }
            for seen in false_offline
        ]
        self.figures.ws = await audience.stop()
        self._audience = None
        result.streamfleet = self.figures

    async def _offline_and_recovery(self, feeders: FeederSet, stopped: list[int]) -> None:
        """Stop each source at a known instant, restart it once it was reported offline (and
        at least ``source_down_s`` later), and time both reports."""
        options = self.ctx.options
        timeline = self._require_audience().timeline
        slugs = self._slugs()
        base = time.time() + PHASE_POLL_S
        planned = {index: base + j * options.offline_stagger_s for j, index in enumerate(stopped)}
        stopped_at: dict[int, float] = {}
        restarted_at: dict[int, float] = {}
        timeout = options.reaction_timeout_s
        while True:
            now = time.time()
            for index, at in planned.items():
                if index not in stopped_at and now >= at:
                    stopped_at[index] = feeders.kill(index)
            for index, at in stopped_at.items():
                if index in restarted_at or now < at + options.source_down_s:
                    continue
                seen = timeline.first_after(slugs[index], OFFLINE, at) is not None
                if seen or now >= at + timeout:
                    restarted_at[index] = feeders.start(index)
            recovering = [
                i
                for i, at in restarted_at.items()
                if timeline.first_after(slugs[i], ONLINE, at) is None and now < at + timeout
            ]
            if len(restarted_at) == len(stopped) and not recovering:
                break
            await asyncio.sleep(PHASE_POLL_S)
        detection = [
            timeline.latency_after(slugs[i], OFFLINE, stopped_at[i], restarted_at[i])
            for i in stopped
        ]
        recovery = [timeline.latency_after(slugs[i], ONLINE, restarted_at[i]) for i in stopped]
        self.figures.sources_stopped = len(stopped)
        self.figures.source_down_s = options.source_down_s
        self.figures.offline_detection = latency_summary(
            [v for v in detection if v is not None], sum(v is None for v in detection)
        )
        self.figures.recovery = latency_summary(
            [v for v in recovery if v is not None], sum(v is None for v in recovery)
        )

    def _require_audience(self) -> WsAudience:
        if self._audience is None:
            raise ContenderFailed("the WebSocket clients are not running")
        return self._audience

    def _start_profiler(self) -> None:
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not self.ctx.options.profile or self._serve is None or not Path(py_spy).is_file():
            return
        out_dir = self.ctx.options.out_dir.resolve()
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"profile-streamfleet-n{self.ctx.channels}-{int(time.time())}.txt"
        self._profiler = spawn(
            [
                py_spy,
                "record",
                "--pid",
                str(self._serve.pid),
                "--rate",
                "100",
                "--duration",
                f"{int(self.ctx.options.window_s)}",
                "--output",
                str(target),
                "--format",
                "raw",
                "--nonblocking",
            ],
            name="py-spy",
            log_path=self.ctx.work_dir / "py-spy.log",
        )
        self.figures.profile_path = str(target)

    def _stop_profiler(self) -> None:
        if self._profiler is None:
            return
        self._profiler.stop(timeout_s=30.0, sig=signal.SIGINT)
        self._profiler = None
        path = Path(self.figures.profile_path or "")
        if path.is_file():
            summary = summarize_collapsed(path.read_text(errors="replace"))
            self.figures.profile = {
                "samples": summary.samples,
                "self_top": summary.self_top,
                "inclusive_top": summary.inclusive_top,
            }

    async def stop(self) -> None:
        self._stop_profiler()
        if self._audience is not None:
            await self._audience.stop()
            self._audience = None
        if self._serve is None:
            return
        descendants = {
            stat.pid: stat.starttime
            for stat in snapshot_tree([self._serve.pid]).values()
            if stat.pid != self._serve.pid
        }
        self._serve.stop(timeout_s=SERVE_STOP_TIMEOUT_S)
        self._serve = None
        kill_pids(descendants)
