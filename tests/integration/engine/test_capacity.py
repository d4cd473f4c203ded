"""The engine's capacity and start pace with real FFmpeg children: channels beyond the
capacity wait ``queued`` without a child and start, oldest first, as slots free; starts
beyond the burst are spaced at the start rate.

The sources are ``udp://127.0.0.1:<free port>`` listeners nobody sends to: each FFmpeg
waits (``input_timeout_s`` long) without sending anything anywhere.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Awaitable, Callable

from streamfleet.domain.channel import Channel
from streamfleet.domain.status import Status
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import free_udp_port
from tests.support.processes import alive
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
QUIET = {"input_timeout_s": 60.0, "startup_timeout_s": 60.0}
"""Silent listeners keep their one child for the whole test."""


def silent(channel_id: int, **fields: object) -> Channel:
    return udp_channel(channel_id, f"udp://127.0.0.1:{free_udp_port()}", **fields)  # type: ignore[arg-type]


def pid_of(engine: EngineHarness, channel_id: int) -> int | None:
    engine.status(channel_id)  # remembers the pid for the leftover check
    state = engine.supervisor.state(channel_id)
    return state.pid if state is not None else None


async def wait_spawned(engine: EngineHarness, channel_id: int) -> int:
    return await wait_until(
        lambda: pid_of(engine, channel_id), 20, f"channel {channel_id} to have its FFmpeg"
    )


async def test_channels_beyond_capacity_wait_queued_and_start_oldest_first_as_slots_free(
    engine_factory: EngineFactory,
) -> None:
    channels = [silent(i) for i in range(1, 6)]
    engine = await engine_factory(channels, engine_capacity=2, **QUIET)
    first, second = await wait_spawned(engine, 1), await wait_spawned(engine, 2)

    for cid in (3, 4, 5):
        assert engine.status(cid) is Status.QUEUED
        assert pid_of(engine, cid) is None
    state = engine.supervisor.state(3)
    assert state is not None
    assert state.reason == "waiting for a free slot: this server runs at most 2"
    assert engine.supervisor.queued() == (3, 4, 5)

    await engine.supervisor.stop_channel(1)  # a stop frees a slot: the oldest queued starts
    assert not alive(first)
    await wait_spawned(engine, 3)
    assert engine.supervisor.queued() == (4, 5)

    await engine.supervisor.stop_channel(4)  # a queued channel stopped leaves the queue
    assert engine.status(4) is Status.STOPPED
    await engine.supervisor.forget(2)  # a deletion frees a slot too
    assert not alive(second)
    await wait_spawned(engine, 5)
    assert engine.supervisor.queued() == ()
    assert pid_of(engine, 4) is None
    # The sink records transitions in a task of its own, after the state changed.
    await engine.wait_status(4, Status.STOPPED, 10)
    await engine.wait_status(5, Status.STARTING, 10)
    assert [c.to_status for c in engine.transitions(5)] == [Status.QUEUED, Status.STARTING]
    assert [c.to_status for c in engine.transitions(4)] == [Status.QUEUED, Status.STOPPED]


async def test_a_restart_at_full_capacity_keeps_its_slot_and_a_disabled_channel_gives_it_up(
    engine_factory: EngineFactory,
) -> None:
    one, two = silent(1), silent(2)
    engine = await engine_factory([one, two], engine_capacity=1, **QUIET)
    old = await wait_spawned(engine, 1)
    assert engine.status(2) is Status.QUEUED

    await engine.supervisor.restart_channel(one)
    new = await wait_spawned(engine, 1)
    assert new != old
    assert engine.status(2) is Status.QUEUED

    await engine.supervisor.apply(dataclasses.replace(one, enabled=False))
    assert engine.status(1) is Status.STOPPED
    await wait_spawned(engine, 2)


async def test_a_channel_that_gives_up_in_error_frees_its_slot(
    engine_factory: EngineFactory,
) -> None:
    bad, good = silent(1, profile="8k-hdr"), silent(2)
    engine = await engine_factory([bad, good], engine_capacity=1, **QUIET)
    await engine.wait_status(1, Status.ERROR, 10)
    await wait_spawned(engine, 2)
    await engine.wait_status(2, Status.STARTING, 10)  # recorded, not only spawned
    assert [c.to_status for c in engine.transitions(2)] == [Status.QUEUED, Status.STARTING]


async def test_starts_beyond_the_burst_are_spaced_at_the_start_rate(
    engine_factory: EngineFactory,
) -> None:
    channels = [silent(i) for i in range(1, 5)]
    engine = await engine_factory(
        channels, engine_start_rate_per_s=2.0, engine_start_burst=1, **QUIET
    )
    for channel in channels:
        await wait_spawned(engine, channel.id)
        await engine.wait_status(channel.id, Status.STARTING, 10)  # recorded, not only spawned
    starts = sorted(c.at for c in engine.sink.changes if c.to_status is Status.STARTING)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    assert len(gaps) == 3
    assert all(gap >= 0.45 for gap in gaps), gaps  # 1 / 2 per second, less timer rounding
    paced = [c for c in engine.sink.changes if c.to_status is Status.QUEUED]
    assert {c.channel_id for c in paced} == {2, 3, 4}
    assert all(c.reason == "start paced: 2 per second" for c in paced)


async def test_shutdown_marks_queued_channels_stopped(engine_factory: EngineFactory) -> None:
    engine = await engine_factory([silent(1), silent(2)], engine_capacity=1, **QUIET)
    await wait_spawned(engine, 1)
    await engine.supervisor.shutdown()
    assert engine.status(1) is Status.STOPPED
    assert engine.status(2) is Status.STOPPED
