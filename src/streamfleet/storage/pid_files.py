"""Pid files of the engine's children, so a run after a crash can find what it left running.

A pid file holds the child's pid and a marker that must appear in the
process's command line (its output directory or feed URL), so that the engine
never signals a pid reused by an unrelated process. This module only reads and
writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from streamfleet.storage.hls_paths import PID_SUFFIX


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


def take_pid_records(run_dir: Path) -> list[PidRecord]:
    """Every record a previous run left in ``run_dir``, its file deleted (a damaged file too).

    Whether a recorded process still runs, and stopping it, is the engine's
    (``engine/stale_children.py``).
    """
    records: list[PidRecord] = []
    if not run_dir.is_dir():
        return records
    for path in run_dir.glob(f"*{PID_SUFFIX}"):
        record = read_pid_file(path)
        if record is not None:
            records.append(record)
        remove_pid_file(path)
    return records
