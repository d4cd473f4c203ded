"""PSS and CPU of one copy channel's FFmpeg, option by option (issue 12, points 5 and 6).

``python -m bench.pss_levers [--seconds 30] [--only N,N] [--copies K]``

Each lever is one FFmpeg copying a looped 720p25 ~3 Mb/s UDP/TS source (the
benchmark's clip and feeder) to HLS, started with streamfleet's argument list
where only that lever differs from FFmpeg's defaults. All levers run at once,
each with its own feeder, for ``--seconds`` (long enough for the UDP FIFO to
wrap: 5.4 MB at 375 kB/s is ~15 s); ``/proc/<pid>/smaps_rollup`` is read once
a second through the second half and averaged. Printed per lever: ``Pss``,
``Pss_Anon`` (the pages this process alone holds: what every extra channel adds)
and the estimate for one of 60 channels, ``Pss_Anon + Rss_File / 60`` (the
binary's pages are shared by all).

The rows "streamfleet" use the engine's real argument list and child
environment (``media.command.build_args``, ``engine.process.CHILD_ENV``).

One FFmpeg per lever cannot tell CPU apart (0.2 CPU s in 30 s, the spread of
the run): ``--copies K`` runs K FFmpegs per lever, every lever's copies side by
side on the same kind of feed at the same time, and reports their mean CPU over
the second half of the window (the probe and the FIFO's first wrap left out)
with the mean memory figures.
"""

from __future__ import annotations

import argparse
import contextlib
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
from streamfleet.engine.ffmpeg_decoders import audio_decoders
from streamfleet.engine.process import CHILD_ENV
from streamfleet.media.command import EngineOptions, build_args
from streamfleet.media.hls_args import segment_prefix
from streamfleet.media.input_args import UDP_SOCKET_BUFFER_BYTES, probe_decoder_args

CHANNELS_AT_SCALE = 60
SAMPLE_EVERY_S = 1.0
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
    udp_kernel_buffer: bool = False
    """streamfleet's arguments with ``udp_input_buffer=kernel`` (no FIFO, a 2 MiB socket
    buffer) instead of the FIFO."""
    audio_probe_only: bool = False
    """The stream probe may open only the binary's audio decoders (``-codec_whitelist``)."""
    any_probe_decoder: bool = False
    """streamfleet's arguments without the probe's decoder list (as before 2026-12-05)."""


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
    Lever(
        "fifo_size 0 + buffer_size 2 MiB (no FIFO, no receive thread)",
        ("-fifo_size", "0", "-buffer_size", str(UDP_SOCKET_BUFFER_BYTES)),
    ),
    Lever("streamfleet, udp_input_buffer=fifo", streamfleet=True),
    Lever("streamfleet, udp_input_buffer=kernel", streamfleet=True, udp_kernel_buffer=True),
    Lever("probe may open only audio decoders (-codec_whitelist)", audio_probe_only=True),
    Lever(
        "streamfleet, kernel buffer, probe may open any decoder",
        streamfleet=True,
        udp_kernel_buffer=True,
        any_probe_decoder=True,
    ),
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
    decoders = audio_decoders(ffmpeg)
    options = EngineOptions(
        ffmpeg=ffmpeg,
        segment_seconds=2.0,
        list_size=6,
        input_timeout_s=1.0,
        udp_kernel_buffer=lever.udp_kernel_buffer,
        probe_decoders=() if lever.any_probe_decoder else decoders,
    )
    argv = build_args(channel, options, out_dir, segment_prefix=segment_prefix(0))
    if lever.streamfleet:
        return argv
    argv = without_options(argv, (*LEAN_INPUT_OPTIONS, "-codec_whitelist"))
    at = argv.index("-i")
    probe = probe_decoder_args(decoders) if lever.audio_probe_only else []
    return [*argv[:at], *lever.input_options, *probe, *argv[at:]]


def rollup(pid: int) -> dict[str, int]:
    """``smaps_rollup`` as ``{field: kB}``."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        values[name] = int(rest.split()[0])
    return values


def cpu_ticks(pid: int) -> int:
    stat = read_stat(pid)
    return stat.ticks if stat is not None else 0


@dataclass(frozen=True, slots=True)
class Measured:
    """A lever's copies, averaged: CPU % of a core over the measured half, smaps in kB."""

    cpu_percent: float
    smaps: dict[str, float]


def run(
    levers: Sequence[Lever], seconds: float, copies: int = 1
) -> list[tuple[Lever, Measured | None]]:
    ffmpeg = ffmpeg_path()
    clip = ensure_clip(ffmpeg)
    ports = iter(free_udp_ports(len(levers) * copies))
    children: list[Child] = []
    measured: dict[int, list[Child]] = {index: [] for index in range(len(levers))}
    with tempfile.TemporaryDirectory(prefix="pss-levers-") as scratch:
        try:
            for copy in range(copies):
                for index, lever in enumerate(levers):
                    port = next(ports)
                    out_dir = Path(scratch) / f"lever{index}-{copy}"
                    out_dir.mkdir()
                    env = {**CHILD_ENV, **lever.env} if lever.streamfleet else dict(lever.env)
                    child = spawn(
                        lever_args(lever, ffmpeg, port, out_dir),
                        name=lever.name,
                        log_path=out_dir / "ffmpeg.log",
                        env={"PATH": "/usr/bin:/bin", **env},
                    )
                    measured[index].append(child)
                    children.append(child)
                    children.append(
                        spawn(feeder_args(ffmpeg, clip, udp_push_url(port)), name="feeder")
                    )
            time.sleep(seconds / 2)
            marks = {pid: cpu_ticks(pid) for pid in (c.pid for c in children)}
            samples = _sampled(children, seconds / 2)
            results = [
                (lever, _averaged(measured[index], marks, samples, seconds / 2))
                for index, lever in enumerate(levers)
            ]
        finally:
            stop_all(children)
    return results


def _sampled(children: list[Child], window_s: float) -> dict[int, list[dict[str, int]]]:
    """Each live child's ``smaps_rollup`` once a ``SAMPLE_EVERY_S`` through the window: one
    reading catches the HLS muxer's segment buffer anywhere between empty and full."""
    samples: dict[int, list[dict[str, int]]] = {c.pid: [] for c in children}
    end = time.monotonic() + window_s
    while time.monotonic() < end:
        for child in children:
            if child.alive():
                with contextlib.suppress(OSError):
                    samples[child.pid].append(rollup(child.pid))
        time.sleep(SAMPLE_EVERY_S)
    return samples


def _averaged(
    copies: list[Child],
    marks: dict[int, int],
    samples: dict[int, list[dict[str, int]]],
    window_s: float,
) -> Measured | None:
    if not all(child.alive() and samples[child.pid] for child in copies):
        return None
    ticks = [cpu_ticks(child.pid) - marks[child.pid] for child in copies]
    rollups = [r for child in copies for r in samples[child.pid]]
    smaps = {name: sum(r[name] for r in rollups) / len(rollups) for name in rollups[0]}
    cpu = 100 * sum(ticks) / len(copies) / CLOCK_TICKS_PER_S / window_s
    return Measured(cpu, smaps)


def table(results: Sequence[tuple[Lever, Measured | None]]) -> str:
    lines = [
        f"| lever | Pss MiB | Pss_Anon MiB | per channel at N={CHANNELS_AT_SCALE} MiB "
        "| CPU % of a core |",
        "|---|---:|---:|---:|---:|",
    ]
    for lever, values in results:
        if values is None:
            lines.append(f"| {lever.name} | exited | | | |")
            continue
        smaps = values.smaps
        anon = smaps["Pss_Anon"] / 1024
        file_share = (smaps["Rss"] - smaps["Anonymous"]) / 1024 / CHANNELS_AT_SCALE
        lines.append(
            f"| {lever.name} | {smaps['Pss'] / 1024:.1f} | {anon:.1f} "
            f"| {anon + file_share:.1f} | {values.cpu_percent:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pss_levers", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--only", default="", help="comma-separated lever numbers (1-based)")
    parser.add_argument("--copies", type=int, default=1, help="FFmpegs per lever (default 1)")
    args = parser.parse_args(argv)
    chosen = LEVERS
    if args.only:
        chosen = tuple(LEVERS[int(n) - 1] for n in args.only.split(","))
    print(table(run(chosen, args.seconds, max(1, args.copies))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
