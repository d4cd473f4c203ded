"""One benchmark run: the clip, then each contender in turn on the same N sources.

Per contender: start it and its feeders, wait until every playlist advances,
warm up, measure CPU (sampled through the window) and PSS (at its end), run
the contender's own extra phases, stop everything. A contender that cannot run
here is skipped with its reason; one that fails is recorded with its error, and
the run goes on with the next.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.binaries import ffmpeg_path
from bench.clip import ClipError, ensure_clip
from bench.contenders.bare_ffmpeg import BareFfmpeg
from bench.contenders.base import (
    Contender,
    ContenderFailed,
    ContenderUnavailable,
    RunContext,
)
from bench.contenders.nginx_rtmp import NginxRtmp
from bench.contenders.streamfleet import Streamfleet
from bench.feeders import FeederSet
from bench.machine import machine_info, versions
from bench.options import BenchOptions
from bench.playlists import PlaylistTracker, moved_between, read_all, segments_added
from bench.procstat import TreeCpuMeter, tree_pss_mib
from bench.progress import RunProgress
from bench.results import BARE, NGINX, STREAMFLEET, BenchResult, ContenderResult
from bench.targets import compute_ratios, evaluate_targets

CONTENDERS: dict[str, type[Contender]] = {
    BARE: BareFfmpeg,
    STREAMFLEET: Streamfleet,
    NGINX: NginxRtmp,
}
PLAYLIST_POLL_S = 0.2
START_ESTIMATE_S = 10.0
STREAMFLEET_EXTRA_ESTIMATE_S = 20.0


def planned_seconds(options: BenchOptions) -> float:
    """A rough plan of the run's duration, for the progress bar."""
    total = 0.0
    for name in options.contenders:
        total += START_ESTIMATE_S + options.warmup_s + options.window_s
        if name == STREAMFLEET:
            total += (
                STREAMFLEET_EXTRA_ESTIMATE_S
                + options.sources_to_stop * options.offline_stagger_s
                + options.source_down_s
            )
    return total


async def run_bench(options: BenchOptions, progress: RunProgress) -> BenchResult:
    started = time.monotonic()
    result = BenchResult(
        started_at=_now_iso(),
        channels=options.channels,
        window_s=options.window_s,
        warmup_s=options.warmup_s,
        machine=machine_info(),
        versions=versions(options.copy_ffmpeg),
        params=_params(options),
    )
    ffmpeg = ffmpeg_path()
    progress.phase("clip: generating (once, then cached)")
    try:
        clip = ensure_clip(ffmpeg)
    except ClipError as exc:
        raise SystemExit(str(exc)) from None
    result.params["clip"] = clip.name

    work_root = options.work_dir or Path(tempfile.mkdtemp(prefix="streamfleet-bench-"))
    work_root.mkdir(parents=True, exist_ok=True)
    try:
        for name in options.contenders:
            ctx = RunContext(ffmpeg, clip, options, work_root / name, progress)
            contender = CONTENDERS[name](ctx)
            outcome = await measure(contender, ctx)
            result.contenders.append(outcome)
            progress.log(_one_line(outcome))
    finally:
        if not options.keep_work and options.work_dir is None:
            shutil.rmtree(work_root, ignore_errors=True)

    result.ratios = compute_ratios(result)
    result.targets = [check.as_dict() for check in evaluate_targets(result)]
    result.finished_at = _now_iso()
    result.duration_s = round(time.monotonic() - started, 1)
    return result


async def measure(contender: Contender, ctx: RunContext) -> ContenderResult:
    options, progress = ctx.options, ctx.progress
    result = ContenderResult(name=contender.name, channels=options.channels)
    try:
        contender.check()
    except ContenderUnavailable as exc:
        result.skipped = str(exc)
        progress.advance(START_ESTIMATE_S + options.warmup_s + options.window_s)
        return result
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    feeders: FeederSet | None = None
    try:
        progress.phase(f"{contender.name}: starting")
        await contender.prepare()
        feeders = FeederSet(ctx.ffmpeg, ctx.clip, contender.feed_targets(), ctx.work_dir / "feed")
        if contender.feed_kind == "rtmp":  # the server is up; publishing starts the channels
            started_at = time.time()
            feeders.start_all()
            await contender.launch()
        else:
            feeders.start_all()
            started_at = time.time()
            await contender.launch()
        tracker = await _wait_advancing(contender, started_at, options.start_timeout_s)
        result.all_output_s = _round(tracker.all_output_after_s())
        result.all_advancing_s = _round(tracker.all_advancing_after_s())
        result.channels_advancing = len(tracker.advancing())
        progress.advance(START_ESTIMATE_S)
        if not tracker.all_advancing():
            await contender.explain_stall()
            raise ContenderFailed(
                f"{result.channels_advancing}/{options.channels} playlists advanced "
                f"within {options.start_timeout_s:g} s"
            )
        await progress.wait(options.warmup_s, f"{contender.name}: warm-up")
        await _steady_window(contender, feeders, tracker, result, ctx)
        await contender.after_window(feeders, result)
    except ContenderUnavailable as exc:
        result.skipped = str(exc)
    except (ContenderFailed, OSError) as exc:
        result.error = str(exc) or exc.__class__.__name__
    finally:
        progress.phase(f"{contender.name}: stopping")
        await contender.stop()
        if feeders is not None:
            feeders.stop_all()
    return result


async def _wait_advancing(
    contender: Contender, started_at: float, timeout_s: float
) -> PlaylistTracker:
    paths = contender.playlist_paths()
    tracker = PlaylistTracker(list(paths), started_at)
    deadline = time.monotonic() + timeout_s
    while not tracker.all_advancing() and time.monotonic() < deadline:
        tracker.observe_all(read_all(paths), time.time())
        if tracker.all_advancing():
            break
        await asyncio.sleep(PLAYLIST_POLL_S)
    return tracker


async def _steady_window(
    contender: Contender,
    feeders: FeederSet,
    tracker: PlaylistTracker,
    result: ContenderResult,
    ctx: RunContext,
) -> None:
    options, progress = ctx.options, ctx.progress
    paths = contender.playlist_paths()
    tracker.observe_all(read_all(paths), time.time())
    before = tracker.latest_states()
    meter = TreeCpuMeter(contender.root_pids)
    feeder_meter = TreeCpuMeter(feeders.pids)
    await contender.window_started()
    meter.start()
    feeder_meter.start()
    progress.phase(f"{contender.name}: steady window")
    end = time.monotonic() + options.window_s
    while (left := end - time.monotonic()) > 0:
        step = min(options.sample_interval_s, left)
        await asyncio.sleep(step)
        meter.sample()
        feeder_meter.sample()
        tracker.observe_all(read_all(paths), time.time())
        progress.advance(step)
    cpu_s = meter.cpu_seconds()
    n = options.channels
    result.window_s = round(meter.wall_seconds(), 2)
    result.cpu_core_pct = round(meter.core_percent(), 3)
    result.cpu_core_pct_per_channel = round(meter.core_percent() / n, 4)
    result.cpu_by_process = meter.core_percent_by_name()
    result.feeders_cpu_core_pct = round(feeder_meter.core_percent(), 3)
    pss_mib, processes, pss_by_process = tree_pss_mib(contender.root_pids())
    result.pss_by_process = pss_by_process
    result.pss_mib = round(pss_mib, 2)
    result.pss_mib_per_channel = round(pss_mib / n, 3)
    result.processes = processes
    after = tracker.latest_states()
    result.channels_advancing_in_window = len(moved_between(before, after))
    if after and result.window_s:
        result.slowest_realtime_ratio = round(
            min(segments_added(before.get(n), a) for n, a in after.items())
            * contender.segment_seconds
            / result.window_s,
            3,
        )
    await contender.window_ended(cpu_s, result)


def _params(options: BenchOptions) -> dict[str, object]:
    return {
        "channels": options.channels,
        "window_s": options.window_s,
        "warmup_s": options.warmup_s,
        "contenders": list(options.contenders),
        "soak": options.soak,
        "ws_clients": options.ws_clients,
        "api_concurrency": options.api_concurrency,
        "api_requests": options.api_requests,
        "sources_stopped": options.sources_to_stop,
        "source_down_s": options.source_down_s,
        "sample_interval_s": options.sample_interval_s,
    }


def _one_line(outcome: ContenderResult) -> str:
    if outcome.skipped:
        return f"{outcome.name}: skipped: {outcome.skipped}"
    if outcome.error:
        return f"{outcome.name}: FAILED: {outcome.error}"
    return (
        f"{outcome.name}: CPU {outcome.cpu_core_pct:.1f} % of a core "
        f"({outcome.cpu_core_pct_per_channel:.3f} %/ch), PSS {outcome.pss_mib:.0f} MiB "
        f"({outcome.pss_mib_per_channel:.1f} MiB/ch), all advancing after "
        f"{outcome.all_advancing_s} s"
    )


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
