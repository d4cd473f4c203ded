"""Twenty channels started at once are all online; the figures go to the note."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable

from streamfleet.domain.status import UP, Status
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
CHANNELS = 20
CPU_WINDOW_S = 5.0


def own_cpu_s() -> float:
    """CPU seconds of this process alone (children are not included until reaped)."""
    times = os.times()
    return times.user + times.system


async def test_twenty_channels_started_at_once_are_all_online(
    feeders: Feeders, engine_factory: EngineFactory
) -> None:
    sources = [await feeders.start() for _ in range(CHANNELS)]
    channels = [udp_channel(i + 1, channel_url(f)) for i, f in enumerate(sources)]

    started = time.monotonic()
    engine = await engine_factory(channels)
    spawned = await wait_until(
        lambda: all(engine.supervisor.state(c.id).pid for c in channels),  # type: ignore[union-attr]
        10,
        "every channel to have its FFmpeg",
    )
    assert spawned
    spawned_s = time.monotonic() - started
    await wait_until(
        lambda: all(engine.status(c.id) is Status.ONLINE for c in channels),
        60,
        lambda: f"all online ({[engine.status(c.id) for c in channels]})",
    )
    online_s = time.monotonic() - started

    cpu0, wall0 = own_cpu_s(), time.monotonic()
    await asyncio.sleep(CPU_WINDOW_S)  # a measurement window, not a wait for a condition
    cpu = (own_cpu_s() - cpu0) / (time.monotonic() - wall0) * 100
    print(
        f"{CHANNELS} channels: all spawned in {spawned_s:.2f} s, all online in {online_s:.2f} s; "
        f"engine process CPU {cpu:.1f} % of a core (test process, children excluded)"
    )
    # Still up after the window (degraded allowed: health may rightly call a channel of a
    # starved machine late), each on the FFmpeg it started with.
    assert all(engine.status(c.id) in UP for c in channels), [engine.status(c.id) for c in channels]
    assert len(engine.child_pids) == CHANNELS, engine.child_pids  # every pid seen at a status read
    assert spawned_s < 5.0, "channels were not started concurrently"
