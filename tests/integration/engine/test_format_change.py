"""A source that switches format on the same port is not an outage: FFmpeg stops at the
first packet of the new format, the next child takes it at once, the status never moves."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from streamfleet.domain.status import Status
from streamfleet.engine.format_change import FORMAT_CHANGE_GRACE_S
from streamfleet.engine.process import Spawner
from streamfleet.engine.test_sources import ensure_clip
from streamfleet.media.test_pattern_args import PatternSpec
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
HD = PatternSpec("testsrc2", 1280, 720, fps=25, seconds=20.0, gop_s=2.0, video_kbps=1500)


async def test_a_udp_source_switching_from_360p_to_720p_keeps_the_channel_online(
    feeders: Feeders, engine_factory: EngineFactory, ffmpeg_path: str, media_dir: Path
) -> None:
    hd_clip = await ensure_clip(Spawner(), ffmpeg_path, HD, media_dir)
    small = await feeders.start()
    url = channel_url(small)
    engine = await engine_factory([udp_channel(1, url)])
    await engine.wait_status(1, Status.ONLINE, 20)
    first_pid = engine.supervisor.state(1).pid  # type: ignore[union-attr]

    await small.stop()
    await feeders.start(port=int(url.rsplit(":", 1)[1]), clip=hd_clip)
    await wait_until(
        lambda: any("changed format" in line for line in engine.supervisor.log_tail(1)),
        20,
        lambda: f"the format change seen (log: {engine.supervisor.log_tail(1)[-5:]})",
    )
    seen: list[Status | None] = []
    until = time.monotonic() + FORMAT_CHANGE_GRACE_S + 3

    def watched_past_the_grace() -> bool:
        if (status := engine.status(1)) is not Status.ONLINE:
            seen.append(status)
        return time.monotonic() >= until

    await wait_until(watched_past_the_grace, FORMAT_CHANGE_GRACE_S + 15, "the grace to pass")
    state = engine.supervisor.state(1)
    assert state is not None
    assert seen == [], [(c.to_status, c.reason) for c in engine.transitions(1)]
    assert [c.to_status for c in engine.transitions(1)] == [Status.STARTING, Status.ONLINE]
    assert state.pid not in (None, first_pid)
    assert state.metrics.get("out_time_s")
