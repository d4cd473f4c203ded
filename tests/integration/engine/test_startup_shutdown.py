"""Start-up cleans what a crash left; shutdown stops every child well within 10 s."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from streamfleet.domain.status import Status
from streamfleet.engine.process import Spawner
from streamfleet.storage.hls_paths import pid_file
from streamfleet.storage.pid_files import PidRecord, write_pid_file
from tests.integration.engine.conftest import EngineHarness, engine_settings, udp_channel
from tests.support.media import Feeders, channel_url, free_udp_port
from tests.support.processes import alive
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
SHUTDOWN_BUDGET_S = 10.0


async def test_shutdown_stops_every_child_within_10_s_even_with_a_dead_source(
    feeders: Feeders, engine_factory: EngineFactory
) -> None:
    live = [await feeders.start() for _ in range(3)]
    channels = [udp_channel(i + 1, channel_url(f)) for i, f in enumerate(live)]
    channels.append(udp_channel(9, f"udp://127.0.0.1:{free_udp_port()}"))  # never any media
    engine = await engine_factory(channels, input_timeout_s=30.0)
    for channel in channels[:3]:
        await engine.wait_status(channel.id, Status.ONLINE, 20)
    pids = [engine.supervisor.state(c.id).pid for c in channels]  # type: ignore[union-attr]
    assert all(pids)

    started = time.monotonic()
    await engine.supervisor.shutdown()
    took = time.monotonic() - started
    print(f"shutdown of {len(channels)} channels took {took:.2f} s")
    assert took < SHUTDOWN_BUDGET_S
    assert not any(alive(pid) for pid in pids if pid is not None)
    assert all(engine.status(c.id) is Status.STOPPED for c in channels)
    assert not list(engine.settings.run_dir.glob("*.pid"))


def running_program(pid: int) -> bytes:
    """``/proc/<pid>/cmdline`` (empty when unreadable)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


async def test_start_kills_a_child_a_crashed_run_left_and_removes_its_pid_file(
    ffmpeg_path: str, tmp_path: Path, engine_factory: EngineFactory
) -> None:
    settings = engine_settings(tmp_path / "data0")
    marker = str(settings.hls_dir.resolve() / "orphan")
    orphan = await Spawner().spawn(
        [
            ffmpeg_path,
            "-nostdin",
            "-loglevel",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x90:rate=5",
            "-metadata",
            f"comment={marker}",
            "-f",
            "null",
            "-",
        ],
        capture=False,
    )
    # A crashed run leaves an FFmpeg that runs. Right after the spawn the child may still be
    # setpriv exec'ing FFmpeg, and a process mid-exec shows an empty /proc/<pid>/cmdline.
    await wait_until(
        lambda: running_program(orphan.pid).startswith(ffmpeg_path.encode()),
        10,
        "the orphan to run FFmpeg",
    )
    stale = pid_file(settings.run_dir, "orphan")
    write_pid_file(stale, PidRecord(orphan.pid, marker))
    unrelated = pid_file(settings.run_dir, "reused")
    write_pid_file(unrelated, PidRecord(orphan.pid, "/somewhere/else"))  # must not match
    try:
        await engine_factory([])  # data0: the same data directory
        await wait_until(lambda: orphan.returncode is not None, 5, "the orphan to be killed")
        assert orphan.returncode == -9
        assert not stale.exists()
        assert not unrelated.exists()
    finally:
        await orphan.stop(1.0)


async def test_stopping_and_starting_one_channel_leaves_the_others_running(
    feeders: Feeders, engine_factory: EngineFactory
) -> None:
    a, b = await feeders.start(), await feeders.start()
    first, second = udp_channel(1, channel_url(a)), udp_channel(2, channel_url(b))
    engine = await engine_factory([first, second])
    await engine.wait_status(1, Status.ONLINE, 20)
    await engine.wait_status(2, Status.ONLINE, 20)
    other_pid = engine.supervisor.state(2).pid  # type: ignore[union-attr]

    await engine.supervisor.stop_channel(1)
    assert engine.status(1) is Status.STOPPED
    assert engine.supervisor.state(1).pid is None  # type: ignore[union-attr]
    await engine.supervisor.start_channel(first)
    await engine.wait_status(1, Status.ONLINE, 20)
    await engine.supervisor.start_channel(second)  # same configuration: nothing happens
    assert engine.supervisor.state(2).pid == other_pid  # type: ignore[union-attr]

    await engine.supervisor.forget(1)
    assert engine.supervisor.state(1) is None
    assert not (engine.settings.hls_dir.resolve() / "ch1").exists()
    assert engine.status(2) is Status.ONLINE
