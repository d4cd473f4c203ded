"""``Spawner.spawn(on_stdout=…)``: a child's stdout handed to a callback as it arrives."""

from __future__ import annotations

import sys

import pytest

from streamfleet.engine.process import CHILD_ENV, Spawner

pytestmark = pytest.mark.asyncio(loop_scope="session")

WRITER = "import sys\nfor i in range(3):\n    sys.stdout.write(f'n={i}\\n'); sys.stdout.flush()\n"


async def test_stdout_reaches_the_callback_in_order_and_the_reader_sees_only_the_end() -> None:
    """No reader task is needed: every byte goes to the callback, stderr stays a stream."""
    received: list[bytes] = []
    child = await Spawner().spawn(
        [sys.executable, "-c", WRITER + "sys.stderr.write('done')"], on_stdout=received.append
    )
    assert child.stdout is not None
    assert child.stderr is not None
    assert await child.stdout.read() == b""  # the end of the stream, once the child closed it
    assert await child.stderr.read() == b"done"
    assert await child.wait() == 0
    assert b"".join(received) == b"n=0\nn=1\nn=2\n"


async def test_without_a_callback_stdout_is_a_stream_as_before() -> None:
    """The default keeps asyncio's reader."""
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
