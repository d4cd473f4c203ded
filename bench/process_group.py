"""Children of the benchmark: each in its own session, killed when the benchmark dies.

Every process the benchmark starts (feeders, bare FFmpeg, nginx, ``streamfleet
serve``, the WebSocket watcher) goes through :func:`spawn`: an argument list, a
new session (so its process group can be signalled as one), and the
parent-death signal SIGKILL, so that no child outlives a benchmark that was
killed. As in ``streamfleet.engine.process``, the signal is set by the
``setpriv --pdeathsig KILL --`` wrapper (it execs the program under the same
pid and runs no Python between fork and exec, which matters once threads
exist); without ``setpriv``, by a minimal ``preexec_fn``. Spawn only from the
main thread: the parent-death signal follows the thread that forked.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)
_PRCTL = _LIBC.prctl
_SETPRIV = shutil.which("setpriv")
SETPRIV_PREFIX: tuple[str, ...] = (_SETPRIV, "--pdeathsig", "KILL", "--") if _SETPRIV else ()

STOP_TIMEOUT_S = 3.0
"""How long a child may take to exit after SIGTERM before its group gets SIGKILL."""


def _die_with_parent(parent_pid: int) -> None:
    """Runs in the child between fork and exec: no imports, no allocation worth naming."""
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(127)


@dataclass
class Child:
    """One started process; its pid is also its process-group id."""

    popen: subprocess.Popen[bytes]
    name: str

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group and reap the child."""
        _signal_group(self.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self, timeout_s: float = STOP_TIMEOUT_S, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` to the group, SIGKILL it after ``timeout_s``; returns the exit code."""
        if self.alive():
            _signal_group(self.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout_s)
        # Whatever else is left in the group (helpers, nginx workers) goes too.
        _signal_group(self.pid, signal.SIGKILL)
        return self.popen.wait()


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def spawn(
    args: Sequence[str],
    *,
    name: str,
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin: int | None = subprocess.DEVNULL,
    stdout: int | None = subprocess.DEVNULL,
    stdout_to_log: bool = False,
) -> Child:
    """Start ``args`` in a new session with the parent-death signal.

    stderr (and stdout too with ``stdout_to_log``) is appended to ``log_path``.
    """
    parent_pid = os.getpid()
    stderr: IO[bytes] | int = subprocess.DEVNULL
    out: IO[bytes] | int | None = stdout
    log_file: IO[bytes] | None = None
    if log_path is not None:
        log_file = log_path.open("ab")
        stderr = log_file
        if stdout_to_log:
            out = log_file
    try:
        popen = subprocess.Popen(
            [*SETPRIV_PREFIX, *args],
            stdin=stdin,
            stdout=out,
            stderr=stderr,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=None if SETPRIV_PREFIX else lambda: _die_with_parent(parent_pid),
        )
    finally:
        if log_file is not None:
            log_file.close()
    return Child(popen=popen, name=name)


def stop_all(children: Sequence[Child], timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM every group at once, wait up to ``timeout_s`` in total, then SIGKILL the rest."""
    for child in children:
        if child.alive():
            _signal_group(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for child in children:
        remaining = max(0.0, deadline - time.monotonic())
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.popen.wait(timeout=remaining)
    for child in children:
        _signal_group(child.pid, signal.SIGKILL)
        child.popen.wait()


def kill_pids(pids_with_start: Mapping[int, int]) -> int:
    """SIGKILL processes named by ``{pid: starttime}`` that still run with that start time.

    Used for grandchildren recorded earlier (a server's FFmpeg children live in
    their own sessions); the start time guards against a reused pid.
    Returns how many were killed.
    """
    from bench.procstat import read_stat

    killed = 0
    for pid, starttime in pids_with_start.items():
        stat = read_stat(pid)
        if stat is None or stat.starttime != starttime or stat.state == "Z":
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            pass
    return killed
