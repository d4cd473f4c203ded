"""At start, stop what a crashed run of the engine left running (found through its pid files)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import structlog

from streamfleet.storage.pid_files import PidRecord, take_pid_records

log = structlog.get_logger()


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
    for record in take_pid_records(run_dir):
        if not process_matches(record):
            continue
        try:
            os.killpg(record.pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        killed.append(record.pid)
    if killed:
        log.warning("engine.stale_children_killed", pids=killed)
    return killed
