"""Looking at processes through /proc: is one alive, who are its descendants."""

from __future__ import annotations

import os


def _stat_fields(pid: int | str) -> list[str] | None:
    """``/proc/<pid>/stat`` after the command name: state, ppid, pgrp, …; ``None`` if gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def _living() -> dict[int, list[str]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(entry)) is not None and fields[0] != "Z":
            found[int(entry)] = fields
    return found


def pids_in_group(pgid: int) -> list[int]:
    """Processes (not zombies) whose process group is ``pgid``."""
    return [pid for pid, fields in _living().items() if int(fields[2]) == pgid]


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (children, their children, …)."""
    children: dict[int, list[int]] = {}
    for child, fields in _living().items():
        children.setdefault(int(fields[1]), []).append(child)
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
