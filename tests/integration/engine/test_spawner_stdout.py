"""``Spawner.spawn(stdout_fd=…)``: a child's stdout into a pipe of ours, read on the beat."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest

from streamfleet.engine.beat import Beat
from streamfleet.engine.process import CHILD_ENV, Spawner

pytestmark = pytest.mark.asyncio(loop_scope="session")

WRITER = "import sys\nfor i in range(3):\n    sys.stdout.write(f'n={i}\\n'); sys.stdout.flush()\n"


async def test_stdout_into_our_pipe_reaches_the_beat_in_order_until_the_child_ends() -> None:
    """No asyncio pipe for stdout: the beat reads ours and stops following it at its end;
    stderr stays a stream."""
    read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
    os.set_blocking(read_fd, False)
    received: list[bytes] = []
    beat = Beat(time.monotonic, period_s=0.02)
    try:
        child = await Spawner().spawn(
            [sys.executable, "-c", WRITER + "sys.stderr.write('done')"], stdout_fd=write_fd
        )
        os.close(write_fd)
        beat.follow(read_fd, received.append)
        assert child.stdout is None
        assert child.stderr is not None
        assert await child.stderr.read() == b"done"
        assert await child.wait() == 0
        async with asyncio.timeout(5):
            while beat.follows(read_fd):  # followed until the end of the pipe is read
                await asyncio.sleep(0.01)
        assert b"".join(received) == b"n=0\nn=1\nn=2\n"
    finally:
        beat.unfollow(read_fd)
        os.close(read_fd)


async def test_without_a_descriptor_stdout_is_a_stream_as_before() -> None:
    """Without ``stdout_fd``, asyncio's reader (what probes and exports read)."""
    child = await Spawner().spawn([sys.executable, "-c", WRITER])
    assert child.stdout is not None
    assert await child.stdout.read() == b"n=0\nn=1\nn=2\n"
    assert await child.wait() == 0


async def test_a_child_starts_with_the_allocator_settings_of_child_env() -> None:
    """``MALLOC_ARENA_MAX`` reaches every child (FFmpeg's glibc reads it at start-up)."""
    child = await Spawner().spawn(["env"])
    assert child.stdout is not None
    lines = (await child.stdout.read()).decode().splitlines()
    assert await child.wait() == 0
    assert {f"{name}={value}" for name, value in CHILD_ENV.items()} <= set(lines)
