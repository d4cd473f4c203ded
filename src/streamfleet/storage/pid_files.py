"""Pid files of the engine's children, so a run after a crash can find what it left running.

A pid file holds the child's pid and a marker that must appear in the
process's command line (its output directory or feed URL): a pid reused by
an unrelated process is never signalled.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

import structlog

from streamfleet.storage.hls_paths import PID_SUFFIX

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class PidRecord:
    pid: int
    marker: str


def write_pid_file(path: Path, record: PidRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{record.pid}\n{record.marker}\n")
    tmp.replace(path)


def read_pid_file(path: Path) -> PidRecord | None:
    try:
        pid_text, marker = path.read_text().split("\n", 2)[:2]
        return PidRecord(int(pid_text), marker)
    except (OSError, ValueError):
        return None


def remove_pid_file(path: Path) -> None:
    path.unlink(missing_ok=True)


def process_matches(record: PidRecord) -> bool:
    """Whether ``record.pid`` is alive and still the process the record was written for."""
    try:
        cmdline = Path(f"/proc/{record.pid}/cmdline").read_bytes()
    except OSError:
        return False
    return record.marker.encode() in cmdline


def kill_stale_children(run_dir: Path) -> list[int]:
    """Kill (group-wide, SIGKILL) every child a previous run recorded and left alive; delete all
    pid files. Returns the pids that were killed."""
    killed: list[int] = []
    if not run_dir.is_dir():
        return killed
    for path in run_dir.glob(f"*{PID_SUFFIX}"):
        record = read_pid_file(path)
        if record is not None and process_matches(record):
            try:
                os.killpg(record.pid, signal.SIGKILL)
                killed.append(record.pid)
            except ProcessLookupError:
                pass
        remove_pid_file(path)
    if killed:
        log.warning("storage.stale_children_killed", pids=killed)
    return killed
