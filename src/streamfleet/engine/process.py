"""Spawning and stopping FFmpeg children so that none outlives the server.

Every child gets its own session (``start_new_session``: its own process
group, so a stop reaches anything it forks, and a Ctrl-C in the terminal
does not hit it) and the parent-death signal ``SIGKILL``, so that ``kill -9``
of the server leaves no FFmpeg behind.

How the parent-death signal is set, and why: through the ``setpriv
--pdeathsig KILL --`` wrapper (util-linux, present on every Debian), which
sets ``PR_SET_PDEATHSIG`` and then execs FFmpeg under the same pid. It runs
no Python between ``fork`` and ``exec`` — a ``preexec_fn`` does, which the
Python docs call unsafe in a process with threads (asyncio's child watcher,
the database driver and uvicorn all run threads here) and which also stops
CPython from using ``vfork``. Where ``setpriv`` is missing, the ``preexec_fn``
variant measured in media-stack.md is used: ``prctl`` then a ``getppid``
check that closes the fork race. A server killed in the microseconds between
fork and ``prctl`` can still orphan a child; the pid files
(``storage.pid_files``) let the next start kill it (``engine.stale_children``).

The signal follows the *thread* that forks, so children are spawned from
the event-loop thread only (``spawn`` is a coroutine of that loop).

Stop: SIGTERM to the group; with a dead source FFmpeg ignores the first one,
so a second SIGTERM follows after ``SECOND_TERM_AFTER_S``; SIGKILL after the
deadline; the child is always reaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import shutil
import signal
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import structlog

log = structlog.get_logger()

PR_SET_PDEATHSIG: Final = 1
SECOND_TERM_AFTER_S: Final = 0.5
REAP_TIMEOUT_S: Final = 5.0
SETPRIV_ARGS: Final[tuple[str, ...]] = ("--pdeathsig", "KILL", "--")


def setpriv_prefix() -> list[str]:
    """``[setpriv, --pdeathsig, KILL, --]`` when ``setpriv`` is installed, else ``[]``."""
    found = shutil.which("setpriv")
    return [found, *SETPRIV_ARGS] if found else []


@functools.cache
def libc_prctl() -> Callable[..., int]:
    return ctypes.CDLL("libc.so.6", use_errno=True).prctl


def pdeathsig_preexec(parent_pid: int) -> Callable[[], None]:
    """A ``preexec_fn`` that sets the parent-death signal (the fallback without ``setpriv``)."""
    prctl = libc_prctl()  # resolved here, in the parent: the child only calls it
    kill_signal = int(signal.SIGKILL)

    def preexec() -> None:  # runs in the child between fork and exec: keep it minimal
        prctl(PR_SET_PDEATHSIG, kill_signal, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(127)

    return preexec


CHILD_ENV: Final[Mapping[str, str]] = {"MALLOC_ARENA_MAX": "1"}
"""Added to every child's environment: glibc's malloc with one arena for all of FFmpeg's
threads, not one per thread that ever allocated: -1.6 MiB of PSS per copy channel, CPU
unchanged (30 FFmpegs with it beside 30 without, on the same feeds: 14.22 % vs 14.20 % of
a core). ``MALLOC_MMAP_THRESHOLD_=65536`` (blocks of 64 KiB or more in their own mappings)
saved 1.9 MiB more but cost 11-15 % more FFmpeg CPU in the same comparison, the trim
threshold the same, so neither is set; see docs/engine.md, "Memory per channel"."""


def child_environment() -> dict[str, str]:
    """The server's environment with ``CHILD_ENV`` on top: what every child starts with."""
    return {**os.environ, **CHILD_ENV}


STREAM_LIMIT: Final = 2**16
"""asyncio's default buffer limit of a child's ``StreamReader``."""


class Spawner:
    """Starts children with the hygiene above; one per engine, built once."""

    def __init__(self, use_setpriv: bool = True) -> None:
        self.prefix = setpriv_prefix() if use_setpriv else []

    @property
    def method(self) -> str:
        return "setpriv" if self.prefix else "preexec_fn"

    async def spawn(
        self, argv: Sequence[str], *, capture: bool = True, stdout_fd: int | None = None
    ) -> Child:
        """Start ``argv`` (``argv[0]`` is the program); stdout/stderr are pipes when ``capture``.

        ``stdout_fd``: the child's stdout is this descriptor (the write end of the caller's
        own pipe, which the caller closes once this returns) instead of an asyncio pipe;
        ``Child.stdout`` is then ``None``. The runner reads its children's ``-progress``
        this way, on the engine's beat (``engine/beat.py``) instead of a wake-up per chunk.
        """
        pipe = asyncio.subprocess.PIPE if capture else asyncio.subprocess.DEVNULL
        loop = asyncio.get_running_loop()
        extra: dict[str, Any] = {}
        if not self.prefix:
            extra["preexec_fn"] = pdeathsig_preexec(os.getpid())
        transport, proto = await loop.subprocess_exec(
            lambda: asyncio.subprocess.SubprocessStreamProtocol(STREAM_LIMIT, loop),
            *self.prefix,
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=pipe if stdout_fd is None else stdout_fd,
            stderr=pipe,
            start_new_session=True,
            env=child_environment(),
            **extra,
        )
        return Child(asyncio.subprocess.Process(transport, proto, loop))


class Child:
    """One running child: its pid (= its process group), pipes and exit."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid: int = proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    @property
    def stdout(self) -> asyncio.StreamReader | None:
        return self.proc.stdout

    @property
    def stderr(self) -> asyncio.StreamReader | None:
        return self.proc.stderr

    async def wait(self) -> int:
        return await self.proc.wait()

    def signal_group(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the child's process group while the child is not reaped."""
        if self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def kill_now(self) -> None:
        """SIGKILL to the group, without waiting (for cancellation paths)."""
        self.signal_group(signal.SIGKILL)

    async def stop(self, timeout_s: float) -> int | None:
        """SIGTERM, a second SIGTERM, SIGKILL after ``timeout_s``; returns the exit code once
        reaped (``None`` only if even SIGKILL could not be reaped in ``REAP_TIMEOUT_S``)."""
        if self.proc.returncode is not None:
            return self.proc.returncode
        self.signal_group(signal.SIGTERM)
        if await self._wait_for(min(SECOND_TERM_AFTER_S, timeout_s)):
            return self.proc.returncode
        self.signal_group(signal.SIGTERM)
        if await self._wait_for(max(0.0, timeout_s - SECOND_TERM_AFTER_S)):
            return self.proc.returncode
        log.warning("engine.child_killed", pid=self.pid, after_s=timeout_s)
        self.signal_group(signal.SIGKILL)
        await self._wait_for(REAP_TIMEOUT_S)
        return self.proc.returncode

    async def _wait_for(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(asyncio.shield(self.proc.wait()), timeout_s)
        except TimeoutError:
            return False
        return True
