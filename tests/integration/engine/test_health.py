"""A source that falls behind real time makes the channel degraded; back at speed, it recovers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from streamfleet.domain.status import Status
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url

EngineFactory = Callable[..., Awaitable[EngineHarness]]


async def test_a_source_slower_than_real_time_is_degraded_and_recovers_at_full_speed(
    feeders: Feeders, engine_factory: EngineFactory, long_test_clip: Path
) -> None:
    feeder = await feeders.start(clip=long_test_clip, rate=0.8)
    engine = await engine_factory([udp_channel(1, channel_url(feeder))])
    await engine.wait_status(1, Status.DEGRADED, 30)
    degraded = engine.transitions(1)[-1]
    assert degraded.from_status is Status.ONLINE
    # The speed is measured: a source sent at 0.8 x reads 0.79 x on a loaded host.
    measured = re.fullmatch(r"speed (\d\.\d\d)x below 0\.95x for 5 s", degraded.reason)
    assert measured is not None, degraded.reason
    assert 0.7 <= float(measured.group(1)) <= 0.85, degraded.reason

    await feeder.restart(rate=1.0)
    await engine.wait_status(1, Status.ONLINE, 30)
    recovered = engine.transitions(1)[-1]
    assert recovered.from_status in (Status.DEGRADED, Status.OFFLINE)
