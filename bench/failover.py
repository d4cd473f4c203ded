"""Failover of a real fleet, measured: ``python -m bench.failover`` (issue 15's note).

``python -m bench.failover [--channels 24] [--rounds 5]``

Three ``streamfleet worker`` processes (``w1``..``w3``) and one ``streamfleet api`` on a
fresh PostgreSQL database and Redis (``bench/fleet.py``), N channels pulling looped 720p25
UDP feeds on loopback (the benchmark's clip). Once every channel is online, the spread
(channels per worker) is read from ``GET /api/v1/workers``. Then each round:

1. ``kill -9`` the worker holding the most channels (of those, the one killed longest ago);
2. the failover time: from the kill until every channel it held is held by another worker
   and ``online`` there, with a status written after the kill (``GET /api/v1/channels``,
   polled every 0.2 s);
3. the killed worker is started again; once it is live, every channel held and online, the
   spread after the round. The placer moves no healthy channel, so the worker that comes
   back stays empty until the next round's orphans go to it, the least loaded.

Last, a drain move as players see it: the most loaded worker is drained through the API
while a player polls each of its channels' public playlists every 0.1 s; the stall is the
longest time the newest listed segment stayed the same, and each playlist is checked for
media and discontinuity sequences that only grow and an ``#EXT-X-DISCONTINUITY`` where the
new worker's epoch begins.

Every worker's capacity is N, so that one survivor could take every channel. The fleet
runs with the product's HLS defaults (2 s segments). The whole run is bounded by
``--limit`` (360 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from rich.console import Console
from rich.table import Table

from bench.binaries import ffmpeg_path, streamfleet_path
from bench.clip import ensure_clip
from bench.contenders.streamfleet import channel_body
from bench.contenders.streamfleet_api import admin_token, create_channels
from bench.failover_figures import (
    Round,
    channels_per_worker,
    failover_summary,
    next_victim,
    spread_text,
)
from bench.feeders import FeederSet, udp_push_url
from bench.fleet import BenchFleet, FleetApi, add_service_options, wait_for, with_database
from bench.hls_player import (
    PlaylistPlayer,
    discontinuity_at_moves,
    longest_stall_s,
    newest_gaps_s,
    sequences_only_grow,
)
from bench.percentiles import percentile
from bench.ports import free_udp_ports
from bench.progress import RunProgress

WORKERS: Final = ("w1", "w2", "w3")
START_TIMEOUT_S: Final = 60.0
FAILOVER_TIMEOUT_S: Final = 40.0
STEADY_TIMEOUT_S: Final = 40.0
DRAIN_TIMEOUT_S: Final = 120.0
PLAYER_POLL_S: Final = 0.1
NEW_SEGMENTS: Final = 2
"""Segments of the new epoch each moved channel's playlist must list before the drain's
observation ends (the stall is over once the second one is listed)."""
WIDTH: Final = 110
PLANNED_S: Final = {"start": 45.0, "round": 30.0, "drain": 50.0}


@dataclass(frozen=True, slots=True)
class DrainFigures:
    worker: str
    moved: int
    stall_p50_s: float | None
    stall_max_s: float | None
    """Over the moved channels, each one's longest time without a new segment."""
    steady_gap_s: float | None
    """The median time between new segments over all of them (a segment's length)."""
    grew: int
    """Moved channels whose media and discontinuity sequences only grew."""
    marked: int
    """Moved channels whose playlist had ``#EXT-X-DISCONTINUITY`` at the new epoch."""


@dataclass(frozen=True, slots=True)
class Outcome:
    initial: dict[str, int]
    rounds: list[Round]
    drain: DrainFigures


async def _steady(api: FleetApi, count: int) -> dict[int, str] | None:
    """The holders once all three workers are live, holding every channel, all online."""
    workers = await api.workers()
    if {w["id"] for w in workers if w["live"]} != set(WORKERS):
        return None
    holders = {c["id"]: w["id"] for w in workers for c in w["channels"]}
    if len(holders) != count or await api.all_online(count) is None:
        return None
    return holders


async def _moved(api: FleetApi, moved: set[int], victim: str, killed_at: datetime) -> bool:
    holders = await api.holders()
    if any(holders.get(cid) in (None, victim) for cid in moved):
        return False
    states = {c["id"]: c["state"] for c in await api.channels()}
    return all(
        states[cid]["status"] == "online"
        and datetime.fromisoformat(states[cid]["since"]).replace(tzinfo=UTC) > killed_at
        for cid in moved
    )


async def _round(
    number: int,
    fleet: BenchFleet,
    api: FleetApi,
    count: int,
    last_killed: dict[str, int],
    progress: RunProgress,
) -> Round:
    holders = await api.holders()
    victim = next_victim(channels_per_worker(holders, WORKERS), last_killed)
    moved = {cid for cid, worker in holders.items() if worker == victim}
    progress.phase(f"round {number}: kill -9 {victim} ({len(moved)} channels)")
    killed_at = datetime.now(UTC)
    started = time.monotonic()
    fleet.children[victim].kill()
    last_killed[victim] = number
    await wait_for(
        lambda: _moved(api, moved, victim, killed_at),
        FAILOVER_TIMEOUT_S,
        f"{victim}'s {len(moved)} channels online on the other workers",
    )
    failover_s = time.monotonic() - started
    progress.log(f"round {number}: {victim}'s {len(moved)} channels online in {failover_s:.1f} s")
    progress.phase(f"round {number}: {victim} back, waiting for a steady fleet")
    await fleet.start_worker(victim, capacity=count)
    after = await wait_for(lambda: _steady(api, count), STEADY_TIMEOUT_S, "a steady fleet")
    return Round(number, victim, len(moved), failover_s, channels_per_worker(after, WORKERS))


async def _drain_move(fleet: BenchFleet, api: FleetApi, progress: RunProgress) -> DrainFigures:
    holders = await api.holders()
    source = next_victim(channels_per_worker(holders, WORKERS), {})
    slugs = {c["id"]: c["slug"] for c in await api.channels()}
    moving = sorted(cid for cid, worker in holders.items() if worker == source)
    players = {
        cid: PlaylistPlayer(fleet.data_dir / "hls" / slugs[cid] / "index.m3u8") for cid in moving
    }

    async def poll() -> None:
        while True:
            now = time.monotonic()
            for player in players.values():
                player.read(now)
            await asyncio.sleep(PLAYER_POLL_S)

    poller = asyncio.create_task(poll())
    try:

        async def playing() -> dict[int, int] | None:
            epochs = {cid: p.newest_epoch() for cid, p in players.items()}
            return (
                {c: e for c, e in epochs.items() if e is not None}
                if all(e is not None for e in epochs.values())
                else None
            )

        before = await wait_for(playing, START_TIMEOUT_S, "every player reading its playlist")
        progress.phase(f"drain {source}: {len(moving)} moves, players polling")
        await api.drain(source)

        async def drained() -> bool:
            if source in (await api.holders()).values():
                return False
            return all(players[c].epochs_after(e) >= NEW_SEGMENTS for c, e in before.items())

        await wait_for(drained, DRAIN_TIMEOUT_S, f"{source} drained, new segments listed")
    finally:
        poller.cancel()
    until = time.monotonic()
    stalls = [longest_stall_s(p.seen, until) for p in players.values()]
    gaps = [gap for p in players.values() for gap in newest_gaps_s(p.seen, until)]
    return DrainFigures(
        worker=source,
        moved=len(moving),
        stall_p50_s=percentile(stalls, 50),
        stall_max_s=max(stalls, default=None),
        steady_gap_s=percentile(gaps, 50),
        grew=sum(sequences_only_grow(p.seen) for p in players.values()),
        marked=sum(discontinuity_at_moves(p.seen) is True for p in players.values()),
    )


async def _measure(
    fleet: BenchFleet, ports: list[int], rounds: int, progress: RunProgress
) -> Outcome:
    count = len(ports)
    progress.phase("starting api + 3 workers")
    fleet.upgrade()
    await fleet.start_api()
    for worker in WORKERS:
        await fleet.start_worker(worker, capacity=count)
    token = await admin_token(fleet.api_url, fleet.data_dir)
    api = FleetApi(fleet.api_url, token)
    try:
        progress.phase(f"{count} channels starting")
        await create_channels(
            fleet.api_url, [channel_body(i, p) for i, p in enumerate(ports)], token=token
        )
        holders = await wait_for(lambda: _steady(api, count), START_TIMEOUT_S, "all online")
        initial = channels_per_worker(holders, WORKERS)
        progress.log(f"{count} channels online, spread {spread_text(initial)}")
        progress.advance(PLANNED_S["start"])
        done: list[Round] = []
        last_killed: dict[str, int] = {}
        for number in range(1, rounds + 1):
            done.append(await _round(number, fleet, api, count, last_killed, progress))
            progress.log(f"round {number}: spread after {spread_text(done[-1].spread_after)}")
            progress.advance(PLANNED_S["round"])
        drain = await _drain_move(fleet, api, progress)
        progress.advance(PLANNED_S["drain"])
        return Outcome(initial, done, drain)
    finally:
        await api.close()


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def render_rounds(outcome: Outcome) -> Table:
    names = "/".join(WORKERS)
    table = Table(title=f"Fleet failover: {names}, spread at start {spread_text(outcome.initial)}")
    for column in ("round", "killed", "channels moved", "failover s", f"spread after ({names})"):
        table.add_column(column, justify="left" if column == "killed" else "right")
    for r in outcome.rounds:
        spread = spread_text(r.spread_after)
        table.add_row(str(r.number), r.victim, str(r.moved), f"{r.failover_s:.1f}", spread)
    p50, worst = failover_summary(outcome.rounds)
    table.add_section()
    table.add_row("p50", "", "", _seconds(p50), "")
    table.add_row("max", "", "", _seconds(worst), "")
    return table


def render_drain(drain: DrainFigures, load: Mapping[str, tuple[float, float, float]]) -> Table:
    table = Table(title=f"A player at a drain move: {drain.worker} drained")
    for column in ("channels moved", "stall p50 s", "stall max s", "steady gap s"):
        table.add_column(column, justify="right")
    table.add_column("sequences only grew")
    table.add_column("EXT-X-DISCONTINUITY at the move")
    table.add_row(
        str(drain.moved),
        _seconds(drain.stall_p50_s),
        _seconds(drain.stall_max_s),
        _seconds(drain.steady_gap_s),
        f"{drain.grew}/{drain.moved}",
        f"{drain.marked}/{drain.moved}",
    )
    loads = ", ".join(f"{k} {' '.join(f'{v:.2f}' for v in values)}" for k, values in load.items())
    table.caption = f"load average (1/5/15 min): {loads}"
    return table


async def main_async(args: argparse.Namespace) -> int:
    command = streamfleet_path()
    if command is None:
        raise SystemExit("no streamfleet executable in this environment")
    ffmpeg = ffmpeg_path()
    clip = ensure_clip(ffmpeg)
    load = {"start": os.getloadavg()}
    work = Path(tempfile.mkdtemp(prefix="streamfleet-failover-"))
    ports = free_udp_ports(args.channels)
    feeders = FeederSet(ffmpeg, clip, [udp_push_url(p) for p in ports], work / "feed")
    planned = PLANNED_S["start"] + args.rounds * PLANNED_S["round"] + PLANNED_S["drain"]
    try:
        feeders.start_all()
        with RunProgress(planned) as progress:

            async def run(url: str) -> Outcome:
                fleet = BenchFleet(command, work, url, args.redis)
                try:
                    return await _measure(fleet, ports, args.rounds, progress)
                finally:
                    fleet.stop()

            try:
                async with asyncio.timeout(args.limit):
                    outcome = await with_database(args.postgres, run)
            except TimeoutError:
                raise SystemExit(f"the run took longer than --limit {args.limit:g} s") from None
            progress.finish()
    finally:
        feeders.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    load["end"] = os.getloadavg()
    console = Console(width=max(Console().width, WIDTH))
    console.print(render_rounds(outcome))
    console.print(render_drain(outcome.drain, load))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.failover", description=__doc__)
    parser.add_argument("--channels", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--limit", type=float, default=360.0, help="seconds for the whole run")
    add_service_options(parser)
    args = parser.parse_args(argv)
    if not 3 <= args.channels <= 200 or not 1 <= args.rounds <= 20:
        parser.error("--channels 3..200, --rounds 1..20")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
