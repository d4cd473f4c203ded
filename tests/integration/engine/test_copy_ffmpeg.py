"""``Settings.copy_ffmpeg_path``: the engine runs a copy channel on the copy binary and a
transcoding one on the server's FFmpeg, both real children of a real engine.

The copy binary here is the wheel's FFmpeg under another name (a symlink), so the test sees
which path each child was started with; the lean build itself (deploy/ffmpeg/build-lean.sh)
is measured by ``make bench`` (docs/engine.md, "A lean FFmpeg for copy channels")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from streamfleet.domain.status import Status
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]


def program(engine: EngineHarness, channel_id: int) -> str | None:
    """The path the channel's current FFmpeg was started with (its ``argv[0]``); ``None``
    before it has one, or when it has just exited."""
    state = engine.supervisor.state(channel_id)
    if state is None or state.pid is None:
        return None
    try:
        return Path(f"/proc/{state.pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    except OSError:
        return None


async def test_copy_channels_run_the_copy_binary_and_transcoding_ones_the_servers(
    feeders: Feeders, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    copy_ffmpeg = tmp_path / "ffmpeg-copy"
    copy_ffmpeg.symlink_to(feeders.ffmpeg)
    copied = await feeders.start()
    transcoded = await feeders.start()
    engine = await engine_factory(
        [
            udp_channel(1, channel_url(copied)),
            udp_channel(2, channel_url(transcoded), profile="480p"),
        ],
        copy_ffmpeg_path=str(copy_ffmpeg),
    )
    await engine.wait_status(1, Status.ONLINE, 20)

    copying = await wait_until(lambda: program(engine, 1), 5, "the copy channel's FFmpeg")
    transcoding = await wait_until(lambda: program(engine, 2), 20, "the 480p channel's FFmpeg")
    assert copying == str(copy_ffmpeg)
    assert transcoding == engine.settings.resolved_ffmpeg_path()
