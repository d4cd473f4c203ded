"""Who writes a channel's HLS folder: every living FFmpeg found in ``/proc``, sampled.

``sampling(hls_dir)`` samples every ``SAMPLE_INTERVAL_S`` while its block runs and yields a
``WriterSamples``: ``doubles`` lists every sample where a channel had two writers (never
allowed: a move stops the old FFmpeg before the new one starts), ``handoffs(slug)`` each
change of a channel's writer as (last sample of the old, first of the new) in
``time.monotonic()`` seconds: a move's cost, bounded by the sampling period.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
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


@contextlib.asynccontextmanager
async def sampling(hls_dir: Path) -> AsyncIterator[WriterSamples]:
    """Samples the channel FFmpegs every ``SAMPLE_INTERVAL_S`` while the block runs."""
    samples = WriterSamples()

    async def sample() -> None:
        while True:
            seen = await asyncio.to_thread(writers_by_slug, hls_dir)
            samples.timeline.append((time.monotonic(), seen))
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
