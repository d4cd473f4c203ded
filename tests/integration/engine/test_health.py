"""A source that falls behind real time makes the channel degraded; back at speed, it recovers."""

from __future__ import annotations

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
    assert degraded.reason.startswith("speed 0.8")

    await feeder.restart(rate=1.0)
    await engine.wait_status(1, Status.ONLINE, 30)
    recovered = engine.transitions(1)[-1]
    assert recovered.from_status in (Status.DEGRADED, Status.OFFLINE)
