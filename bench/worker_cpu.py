"""A stream worker's own CPU against ``serve``'s, for the same N channels (issue 15's note).

``python -m bench.worker_cpu [--channels 20] [--seconds 40]``

Two set-ups, one after the other, each with N looped 720p25 UDP feeds (the benchmark's clip):

- ``streamfleet serve`` (SQLite, default features, no WebSocket client), N channels;
- a fleet of one ``streamfleet api`` and one ``streamfleet worker`` on a fresh PostgreSQL
  database (``--postgres``, default the test server's) and Redis (``--redis``, a key prefix
  of its own), N channels placed on the worker.

Once every channel is online and a warm-up has passed, the CPU of the process that runs the
channels (``serve``, or the worker), its FFmpeg children excluded, is measured over the
window from ``/proc/<pid>/stat`` (utime + stime); the API node's is shown beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.binaries import ffmpeg_path, streamfleet_path
from bench.clip import ensure_clip
from bench.contenders.streamfleet import channel_body, serve_env
from bench.contenders.streamfleet_api import admin_token, create_channels, wait_ready
from bench.feeders import FeederSet, udp_push_url
from bench.fleet import BenchFleet, FleetApi, add_service_options, wait_for, with_database
from bench.ports import LOOPBACK, free_tcp_port, free_udp_ports
from bench.process_group import Child, spawn, stop_all
from bench.procstat import CLOCK_TICKS_PER_S

ONLINE_TIMEOUT_S = 60.0


def own_ticks(pid: int) -> int:
    """utime + stime of ``pid`` itself (children excluded)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def all_online(base_url: str, token: str | None, count: int) -> None:
    api = FleetApi(base_url, token)
    try:
        await wait_for(lambda: api.all_online(count), ONLINE_TIMEOUT_S, f"{count} channels online")
    finally:
        await api.close()


async def measure(pids: dict[str, int], warmup_s: float, seconds: float) -> dict[str, float]:
    await asyncio.sleep(warmup_s)
    before = {name: own_ticks(pid) for name, pid in pids.items()}
    started = time.monotonic()
    await asyncio.sleep(seconds)
    wall = time.monotonic() - started
    return {
        name: 100 * (own_ticks(pid) - before[name]) / CLOCK_TICKS_PER_S / wall
        for name, pid in pids.items()
    }


async def run_serve(
    command: str, work: Path, bodies: list[dict[str, object]], warmup_s: float, seconds: float
) -> dict[str, float]:
    data = work / "serve"
    data.mkdir(parents=True)
    port = free_tcp_port()
    children: list[Child] = []
    try:
        serve = spawn(
            [command, "serve", "--no-demo", "--host", LOOPBACK, "--port", str(port)],
            name="serve",
            log_path=work / "serve.log",
            stdout_to_log=True,
            env=serve_env(data),
        )
        children.append(serve)
        base = f"http://{LOOPBACK}:{port}"
        await wait_ready(base, 60, serve.alive)
        token = await admin_token(base, data)
        await create_channels(base, bodies, token=token)
        await all_online(base, token, len(bodies))
        return await measure({"serve": serve.pid}, warmup_s, seconds)
    finally:
        stop_all(children)


async def run_fleet(
    command: str,
    work: Path,
    bodies: list[dict[str, object]],
    warmup_s: float,
    seconds: float,
    database_url: str,
    redis_url: str,
) -> dict[str, float]:
    fleet = BenchFleet(command, work, database_url, redis_url)
    try:
        fleet.upgrade()
        api = await fleet.start_api()
        worker = await fleet.start_worker("bench-worker", capacity=len(bodies) + 10)
        token = await admin_token(fleet.api_url, fleet.data_dir)
        await create_channels(fleet.api_url, bodies, token=token)
        await all_online(fleet.api_url, token, len(bodies))
        return await measure({"worker": worker.pid, "api": api.pid}, warmup_s, seconds)
    finally:
        fleet.stop()


async def main_async(args: argparse.Namespace) -> int:
    command = streamfleet_path()
    if command is None:
        raise SystemExit("no streamfleet executable in this environment")
    ffmpeg = ffmpeg_path()
    clip = ensure_clip(ffmpeg)
    work = Path(tempfile.mkdtemp(prefix="streamfleet-worker-cpu-"))
    ports = free_udp_ports(args.channels)
    feeders = FeederSet(ffmpeg, clip, [udp_push_url(p) for p in ports], work / "feed")
    bodies = [channel_body(i, p) for i, p in enumerate(ports)]
    if args.thumbnail_interval is not None:
        bodies = [{**body, "thumbnail_interval_s": args.thumbnail_interval} for body in bodies]
    feeders.start_all()
    try:
        serve = await run_serve(command, work, bodies, args.warmup, args.seconds)

        async def fleet(url: str) -> dict[str, float]:
            window = (args.warmup, args.seconds)
            return await run_fleet(command, work, bodies, *window, url, args.redis)

        fleet_cpu = await with_database(args.postgres, fleet)
    finally:
        feeders.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    assert isinstance(fleet_cpu, dict)
    n = args.channels
    print(f"| {n} channels, {args.seconds:g} s window, own CPU (no FFmpeg) | % of a core |")
    print("|---|---:|")
    print(f"| `serve` (API + engine, SQLite) | {serve['serve']:.2f} |")
    print(f"| `worker` (engine, PostgreSQL + Redis) | {fleet_cpu['worker']:.2f} |")
    print(f"| `api` beside it (no client) | {fleet_cpu['api']:.2f} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker_cpu", description=__doc__)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument(
        "--thumbnail-interval",
        type=int,
        default=None,
        help="the channels' thumbnail_interval_s (JPEGs are made this often of tiles on "
        "screen only, on serve and on a worker alike: none here)",
    )
    add_service_options(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.channels <= 200 or not 5 <= args.seconds <= 3600:
        parser.error("--channels 1..200, --seconds 5..3600")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
