"""A copy channel joining its source between two keyframes: the probe's decoder noise
(``non-existing PPS 0 referenced``, ``no frame!``) and its refused video decoder (``Codec
(h264) not on whitelist``) stay out of the operator's log tail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from streamfleet.domain.status import Status
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
RESTARTS = 3
NOISE = (
    "non-existing PPS",
    "no frame!",
    "decode_slice_header error",
    "not on whitelist",
    "Failed to open codec",
)


async def test_restarts_joining_a_running_source_mid_gop_leave_no_decoder_noise_in_the_log(
    feeders: Feeders, engine_factory: EngineFactory
) -> None:
    """Each restart joins the looped feed (GOP 2 s) wherever it is, almost always mid-GOP."""
    feeder = await feeders.start()
    channel = udp_channel(1, channel_url(feeder))
    engine = await engine_factory([channel])
    await engine.wait_status(1, Status.ONLINE, 20)
    for n in range(1, RESTARTS + 1):
        await engine.supervisor.restart_channel(channel)
        await wait_until(
            lambda n=n: (
                (s := engine.supervisor.state(1)) is not None
                and s.status is Status.ONLINE
                and sum("--- start #" in line for line in engine.supervisor.log_tail(1)) > n
            ),
            20,
            f"the channel online after restart {n}",
        )
    tail = engine.supervisor.log_tail(1)
    hidden = [line for line in tail if "before the first keyframe hidden" in line]
    print(f"{len(hidden)} of {RESTARTS + 1} starts hid join noise: {hidden}")
    assert [line for line in tail if any(noise in line for noise in NOISE)] == []
    assert all(not c.reason or not any(n in c.reason for n in NOISE) for c in engine.transitions(1))
