"""Who writes a channel's HLS folder: every living FFmpeg found in ``/proc``, sampled.

``sampling(hls_dir)`` samples every ``SAMPLE_INTERVAL_S`` while its block runs and yields a
``WriterSamples``: ``doubles`` lists every sample where a channel had two writers (never
allowed: a move stops the old FFmpeg before the new one starts), ``handoffs(slug)`` each
change of a channel's writer as (last sample of the old, first of the new) in
Unix seconds: a move's cost, bounded by the sampling period. ``segment_gaps(slug)`` gives,
from the segment files seen (``<slug>/a<child start ms>_<n>.ts``, one prefix per FFmpeg
child), the time from each child's last segment to the next child's first.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

SAMPLE_INTERVAL_S: Final = 0.2
"""The sampler's period (a sampling rate, not a wait for a state)."""


def writers_by_slug(hls_dir: Path) -> dict[str, set[int]]:
    """Every living FFmpeg writing into ``hls_dir``, by the channel folder it writes."""
    marker = f"{hls_dir}/"
    found: dict[str, set[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                args = handle.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        for arg in args:
            if arg.startswith(marker):
                slug = arg[len(marker) :].split("/", 1)[0]
                found.setdefault(slug, set()).add(int(entry))
                break
    return found


@dataclass
class WriterSamples:
    doubles: list[dict[str, set[int]]] = field(default_factory=list)
    timeline: list[tuple[float, dict[str, set[int]]]] = field(default_factory=list)
    segments: dict[str, dict[str, float]] = field(default_factory=dict)
    """Slug → segment file name → its modification time (written when it was complete)."""

    def segment_gaps(self, slug: str) -> list[float]:
        """For each change of FFmpeg child: seconds from the old one's last complete segment to
        the new one's first (a steady child's segments are one segment duration apart)."""
        by_child: dict[str, list[float]] = {}
        for name, mtime in self.segments.get(slug, {}).items():
            by_child.setdefault(name.split("_", 1)[0], []).append(mtime)
        spans = sorted((min(times), max(times)) for times in by_child.values())
        return [new[0] - old[1] for old, new in itertools.pairwise(spans)]

    def handoffs(self, slug: str) -> list[tuple[float, float]]:
        """Each time the channel's writer changed (a move, a restart): from the last sample
        with the old writer to the first with the new, samples without any in between. The
        span bounds the time without a writer from above (by up to two sampling periods)."""
        spans: list[tuple[float, float]] = []
        last: tuple[float, set[int]] | None = None
        for at, seen in self.timeline:
            pids = seen.get(slug, set())
            if not pids:
                continue
            if last is not None and not pids & last[1]:
                spans.append((last[0], at))
            last = (at, pids)
        return spans


def segment_times(hls_dir: Path, slugs: Iterable[str]) -> dict[str, dict[str, float]]:
    """The complete segments (``.ts``) in each channel folder, with their modification times."""
    found: dict[str, dict[str, float]] = {}
    for slug in slugs:
        with contextlib.suppress(OSError), os.scandir(hls_dir / slug) as entries:
            found[slug] = {e.name: e.stat().st_mtime for e in entries if e.name.endswith(".ts")}
    return found


@contextlib.asynccontextmanager
async def sampling(hls_dir: Path) -> AsyncIterator[WriterSamples]:
    """Samples the channel FFmpegs every ``SAMPLE_INTERVAL_S`` while the block runs."""
    samples = WriterSamples()

    async def sample() -> None:
        while True:
            seen = await asyncio.to_thread(writers_by_slug, hls_dir)
            samples.timeline.append((time.time(), seen))
            files = await asyncio.to_thread(segment_times, hls_dir, seen)
            for slug, names in files.items():
                samples.segments.setdefault(slug, {}).update(names)
            twice = {slug: pids for slug, pids in seen.items() if len(pids) > 1}
            if twice:
                samples.doubles.append(twice)
            await asyncio.sleep(SAMPLE_INTERVAL_S)

    task = asyncio.create_task(sample())
    try:
        yield samples
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
