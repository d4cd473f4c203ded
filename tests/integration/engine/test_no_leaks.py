"""A source that stays dead through 100 restarts leaves memory and open files flat."""

from __future__ import annotations

import gc
import os
import socket
from collections.abc import Awaitable, Callable

from streamfleet.domain.status import Status
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
FD_TOLERANCE = 4
RSS_TOLERANCE_KIB = 6 * 1024


def closed_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_kib() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_100_restarts_of_a_dead_source_leave_memory_and_file_descriptors_flat(
    engine_factory: EngineFactory,
) -> None:
    dead = f"rtmp://127.0.0.1:{closed_tcp_port()}/live/gone"  # connection refused at once
    engine = await engine_factory(
        [udp_channel(1, dead)], backoff_initial_s=0.001, backoff_cap_s=0.005
    )

    def restarts() -> int:
        state = engine.supervisor.state(1)
        return state.restarts if state is not None else 0

    await wait_until(lambda: restarts() >= 15, 60, lambda: f"15 restarts (at {restarts()})")
    gc.collect()
    fds_before, rss_before, at = open_fds(), rss_kib(), restarts()

    await wait_until(
        lambda: restarts() >= at + 100, 180, lambda: f"100 more restarts (at {restarts()})"
    )
    gc.collect()
    fds_after, rss_after = open_fds(), rss_kib()
    print(
        f"after {restarts()} restarts: fds {fds_before} -> {fds_after}, "
        f"RSS {rss_before} -> {rss_after} KiB"
    )
    assert engine.status(1) is Status.OFFLINE
    assert [c.to_status for c in engine.transitions(1)] == [Status.STARTING, Status.OFFLINE]
    assert fds_after - fds_before <= FD_TOLERANCE
    assert rss_after - rss_before <= RSS_TOLERANCE_KIB
    assert len(engine.supervisor.log_tail(1)) <= 200
