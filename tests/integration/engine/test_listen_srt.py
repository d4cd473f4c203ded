"""Push ingest: a channel listening for an SRT publisher with its own port and passphrase."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from streamfleet.domain.channel import Channel, IngestMode
from streamfleet.domain.srt import publish_url
from streamfleet.domain.status import Status
from streamfleet.engine.process import Spawner
from streamfleet.engine.test_sources import Feeder
from tests.integration.engine.conftest import EngineHarness
from tests.support.media import free_udp_port
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
PASSPHRASE = "correct-horse-battery"


def listening_channel(port: int) -> Channel:
    return Channel(
        id=1,
        slug="push",
        name="Push",
        input_url=f"srt://0.0.0.0:{port}",
        ingest_mode=IngestMode.LISTEN_SRT,
        listen_port=port,
        passphrase=PASSPHRASE,
    )


async def test_a_listener_waits_goes_online_with_its_publisher_and_rearms_when_it_leaves(
    engine_factory: EngineFactory, ffmpeg_path: str, test_clip: Path
) -> None:
    port = free_udp_port()
    engine = await engine_factory([listening_channel(port)])
    await engine.wait_status(1, Status.OFFLINE, 10)
    assert engine.supervisor.state(1).reason == "waiting for publisher"  # type: ignore[union-attr]

    publisher = Feeder(
        Spawner(), ffmpeg_path, test_clip, publish_url("127.0.0.1", port, PASSPHRASE)
    )
    try:
        await publisher.start()
        await engine.wait_status(1, Status.ONLINE, 15)
        await publisher.stop()
        await engine.wait_status(1, Status.OFFLINE, 15)
        assert engine.supervisor.state(1).reason == "waiting for publisher"  # type: ignore[union-attr]
        await wait_until(
            lambda: engine.supervisor.state(1).pid is not None, 5, "the listener re-armed"
        )  # type: ignore[union-attr]

        await publisher.start()
        await engine.wait_status(1, Status.ONLINE, 15)
    finally:
        await publisher.stop()
    log = "\n".join(engine.supervisor.log_tail(1))
    assert PASSPHRASE not in log
    assert "passphrase=***" in log


async def test_a_publisher_with_the_wrong_passphrase_is_refused(
    engine_factory: EngineFactory, ffmpeg_path: str, test_clip: Path
) -> None:
    port = free_udp_port()
    engine = await engine_factory([listening_channel(port)])
    await engine.wait_status(1, Status.OFFLINE, 10)
    intruder = Feeder(
        Spawner(), ffmpeg_path, test_clip, publish_url("127.0.0.1", port, "wrong-passphrase-1")
    )
    try:
        await intruder.start()
        await wait_until(lambda: not intruder.running, 15, "the intruder to give up")
        assert engine.status(1) is Status.OFFLINE
        assert [c.to_status for c in engine.transitions(1)] == [Status.STARTING, Status.OFFLINE]
    finally:
        await intruder.stop()
