"""streamfleet's FFmpegs and bare FFmpegs in the same window: what each FFmpeg costs.

``python -m bench.side_by_side [--channels 30] [--seconds 40]``

``make bench`` runs its contenders one after the other, so its headline ratio also holds
whatever changed on the machine between the two windows (a shared VM's neighbours, the
streamfleet phase's 50 WebSocket clients in their own process competing for the same two
cores); three runs of the same commit spread 1.24-1.42. Here ``streamfleet serve`` runs N
channels (its default features on, one WebSocket client) while N bare FFmpegs (contender
a's arguments) run beside it on their own feeders, and one window measures both. Printed:
CPU per FFmpeg of each group and their ratio (what the engine's arguments, environment,
pipes and publisher cost each FFmpeg), and ``serve``'s own CPU (children excluded).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.binaries import ffmpeg_path
from bench.clip import ensure_clip
from bench.contenders.bare_ffmpeg import BareFfmpeg
from bench.contenders.base import RunContext
from bench.contenders.streamfleet import Streamfleet
from bench.feeders import FeederSet
from bench.options import BenchOptions
from bench.procstat import CLOCK_TICKS_PER_S, read_stat, snapshot_tree
from bench.progress import RunProgress


def _ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        stat = read_stat(pid)
        if stat is not None:
            total += stat.ticks  # cutime/cstime move only when a child ends: none does here
    return total


async def _run(channels: int, seconds: float, warmup_s: float) -> int:
    ffmpeg = ffmpeg_path()
    clip = ensure_clip(ffmpeg)
    root = Path(tempfile.mkdtemp(prefix="streamfleet-side-by-side-"))
    options = dataclasses.replace(BenchOptions(), channels=channels, ws_clients=1)
    progress = RunProgress(total_s=warmup_s + seconds + 30)
    contenders = [
        kind(RunContext(ffmpeg, clip, options, root / kind.name, progress))
        for kind in (Streamfleet, BareFfmpeg)
    ]
    feeders: list[FeederSet] = []
    try:
        with progress:
            for contender in contenders:
                contender.ctx.work_dir.mkdir(parents=True)
                await contender.prepare()
                feed = FeederSet(
                    ffmpeg, clip, contender.feed_targets(), contender.ctx.work_dir / "feed"
                )
                feed.start_all()
                feeders.append(feed)
                await contender.launch()
            streamfleet, bare = contenders
            await progress.wait(warmup_s, "both running: warm-up")
            serve = streamfleet.root_pids()
            children = [p for p in snapshot_tree(serve) if p not in serve]
            plain = bare.root_pids()
            before = (_ticks(serve), _ticks(children), _ticks(plain), time.monotonic())
            await progress.wait(seconds, "both running: window")
            after = (_ticks(serve), _ticks(children), _ticks(plain), time.monotonic())
    finally:
        for contender in contenders:
            await contender.stop()
        for feed in feeders:
            feed.stop_all()
        shutil.rmtree(root, ignore_errors=True)

    wall = after[3] - before[3]

    def pct(index: int) -> float:
        return 100 * (after[index] - before[index]) / CLOCK_TICKS_PER_S / wall

    per_child, per_bare = pct(1) / max(1, len(children)), pct(2) / max(1, len(plain))
    print(f"| {channels} + {channels} channels, {wall:.0f} s window | % of a core |")
    print("|---|---:|")
    print(f"| streamfleet's {len(children)} FFmpegs, per FFmpeg | {per_child:.3f} |")
    print(f"| {len(plain)} bare FFmpegs beside them, per FFmpeg | {per_bare:.3f} |")
    print(f"| ratio streamfleet's FFmpeg / bare FFmpeg | {per_child / per_bare:.3f} |")
    print(f"| serve itself (children excluded) | {pct(0):.2f} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.side_by_side", description=__doc__)
    parser.add_argument("--channels", type=int, default=30, help="per group (default 30)")
    parser.add_argument("--seconds", type=float, default=40.0, help="the window (default 40)")
    parser.add_argument("--warmup", type=float, default=15.0)
    args = parser.parse_args(argv)
    if not 1 <= args.channels <= 200 or not 5 <= args.seconds <= 3600:
        parser.error("--channels 1..200, --seconds 5..3600")
    return asyncio.run(_run(args.channels, args.seconds, args.warmup))


if __name__ == "__main__":
    sys.exit(main())
