"""PSS of one copy channel's FFmpeg, option by option (issue 12, point 6).

``python -m bench.pss_levers [--seconds 30] [--only NAME,NAME]``

Each lever is one FFmpeg copying a looped 720p25 ~3 Mb/s UDP/TS source (the
benchmark's clip and feeder) to HLS, started with streamfleet's argument list
where only that lever differs from FFmpeg's defaults. All levers run at once,
each with its own feeder, for ``--seconds`` (long enough for the UDP FIFO to
wrap: 5.4 MB at 375 kB/s is ~15 s); ``/proc/<pid>/smaps_rollup`` is read at
the end. Printed per lever: ``Pss``, ``Pss_Anon`` (the pages this process
alone holds: what every extra channel adds) and the estimate for one of 60
channels, ``Pss_Anon + Rss_File / 60`` (the binary's pages are shared by all).

The rows "streamfleet" use the engine's real argument list and child
environment (``media.command.build_args``, ``engine.process.CHILD_ENV``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.binaries import ffmpeg_path
from bench.clip import ensure_clip
from bench.contenders.bare_ffmpeg import bare_ffmpeg_args
from bench.feeders import feeder_args, udp_push_url
from bench.ports import LOOPBACK, free_udp_ports
from bench.process_group import Child, spawn, stop_all
from bench.procstat import CLOCK_TICKS_PER_S, read_stat
from streamfleet.domain.channel import Channel
from streamfleet.engine.process import CHILD_ENV
from streamfleet.media.command import EngineOptions, build_args
from streamfleet.media.hls_args import segment_prefix

CHANNELS_AT_SCALE = 60
LEAN_INPUT_OPTIONS = ("-fifo_size", "-probesize", "-analyzeduration", "-thread_queue_size")
"""Options streamfleet sets that a lever row resets to FFmpeg's default."""


@dataclass(frozen=True, slots=True)
class Lever:
    name: str
    input_options: tuple[str, ...] = ()
    """Added before ``-i`` (after streamfleet's lean options were taken out)."""
    env: Mapping[str, str] = field(default_factory=dict)
    streamfleet: bool = False
    """The engine's argument list and child environment as they are, nothing taken out."""
    bare: bool = False
    """The benchmark's bare-FFmpeg contender instead of streamfleet's arguments."""


LEVERS: tuple[Lever, ...] = (
    Lever("bare FFmpeg (bench contender a)", bare=True),
    Lever("FFmpeg defaults (streamfleet args, lean options out)"),
    Lever(
        "probesize 1 MB + analyzeduration 2 s",
        ("-probesize", "1000000", "-analyzeduration", "2000000"),
    ),
    Lever(
        "probesize 500 kB + analyzeduration 1 s",
        ("-probesize", "500000", "-analyzeduration", "1000000"),
    ),
    Lever("fifo_size 8192 (1.5 MB)", ("-fifo_size", "8192")),
    Lever("fifo_size 4096 (770 kB)", ("-fifo_size", "4096")),
    Lever("fifo_size 2048 (385 kB)", ("-fifo_size", "2048")),
    Lever("thread_queue_size 4", ("-thread_queue_size", "4")),
    Lever("MALLOC_ARENA_MAX=1", env={"MALLOC_ARENA_MAX": "1"}),
    Lever("MALLOC_ARENA_MAX=2", env={"MALLOC_ARENA_MAX": "2"}),
    Lever("MALLOC_MMAP_THRESHOLD_=65536", env={"MALLOC_MMAP_THRESHOLD_": "65536"}),
    Lever("MALLOC_TRIM_THRESHOLD_=65536", env={"MALLOC_TRIM_THRESHOLD_": "65536"}),
    Lever(
        "MALLOC_ARENA_MAX=1 + MALLOC_MMAP_THRESHOLD_=65536",
        env={"MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_THRESHOLD_": "65536"},
    ),
    Lever(
        "MALLOC_ARENA_MAX=1 + MALLOC_MMAP_THRESHOLD_=1048576",
        env={"MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_THRESHOLD_": "1048576"},
    ),
    Lever(
        "fifo 2048 + probe 1 MB + ARENA_MAX=1 + MMAP_THRESHOLD_ 64k",
        ("-fifo_size", "2048", "-probesize", "1000000", "-analyzeduration", "2000000"),
        env={"MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_THRESHOLD_": "65536"},
    ),
    Lever("streamfleet (as the engine runs it)", streamfleet=True),
)


def without_options(argv: Sequence[str], names: Sequence[str]) -> list[str]:
    """``argv`` with every ``name value`` pair of ``names`` removed."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in names:
            skip = True
        else:
            out.append(arg)
    return out


def lever_args(lever: Lever, ffmpeg: str, port: int, out_dir: Path) -> list[str]:
    url = f"udp://{LOOPBACK}:{port}"
    if lever.bare:
        return bare_ffmpeg_args(ffmpeg, port, out_dir / "index.m3u8", 2.0, 6)
    channel = Channel(id=1, slug="pss", name="pss", input_url=url, profile="copy")
    options = EngineOptions(ffmpeg=ffmpeg, segment_seconds=2.0, list_size=6, input_timeout_s=1.0)
    argv = build_args(channel, options, out_dir, segment_prefix=segment_prefix(0))
    if lever.streamfleet:
        return argv
    argv = without_options(argv, LEAN_INPUT_OPTIONS)
    at = argv.index("-i")
    return [*argv[:at], *lever.input_options, *argv[at:]]


def rollup(pid: int) -> dict[str, int]:
    """``smaps_rollup`` as ``{field: kB}``, plus ``cpu_ticks`` (utime + stime so far)."""
    stat = read_stat(pid)
    values: dict[str, int] = {"cpu_ticks": stat.ticks if stat is not None else 0}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        values[name] = int(rest.split()[0])
    return values


def run(levers: Sequence[Lever], seconds: float) -> list[tuple[Lever, dict[str, int] | None]]:
    ffmpeg = ffmpeg_path()
    clip = ensure_clip(ffmpeg)
    ports = free_udp_ports(len(levers))
    children: list[Child] = []
    measured: list[Child] = []
    with tempfile.TemporaryDirectory(prefix="pss-levers-") as scratch:
        try:
            for index, (lever, port) in enumerate(zip(levers, ports, strict=True)):
                out_dir = Path(scratch) / f"lever{index}"
                out_dir.mkdir()
                env = {**CHILD_ENV, **lever.env} if lever.streamfleet else dict(lever.env)
                child = spawn(
                    lever_args(lever, ffmpeg, port, out_dir),
                    name=lever.name,
                    log_path=out_dir / "ffmpeg.log",
                    env={"PATH": "/usr/bin:/bin", **env},
                )
                measured.append(child)
                children.append(child)
                children.append(
                    spawn(feeder_args(ffmpeg, clip, udp_push_url(port)), name=f"feeder{index}")
                )
            time.sleep(seconds)
            results = [
                (lever, rollup(child.pid) if child.alive() else None)
                for lever, child in zip(levers, measured, strict=True)
            ]
        finally:
            stop_all(children)
    return results


def table(results: Sequence[tuple[Lever, dict[str, int] | None]]) -> str:
    lines = [
        f"| lever | Pss MiB | Pss_Anon MiB | per channel at N={CHANNELS_AT_SCALE} MiB | CPU s |",
        "|---|---:|---:|---:|---:|",
    ]
    for lever, values in results:
        if values is None:
            lines.append(f"| {lever.name} | exited | | | |")
            continue
        anon = values["Pss_Anon"] / 1024
        file_share = (values["Rss"] - values["Anonymous"]) / 1024 / CHANNELS_AT_SCALE
        cpu = values["cpu_ticks"] / CLOCK_TICKS_PER_S
        lines.append(
            f"| {lever.name} | {values['Pss'] / 1024:.1f} | {anon:.1f} "
            f"| {anon + file_share:.1f} | {cpu:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pss_levers", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--only", default="", help="comma-separated lever numbers (1-based)")
    args = parser.parse_args(argv)
    chosen = LEVERS
    if args.only:
        chosen = tuple(LEVERS[int(n) - 1] for n in args.only.split(","))
    print(table(run(chosen, args.seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
