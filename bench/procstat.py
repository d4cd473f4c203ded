"""CPU and memory of a process tree, read from /proc.

CPU: ``utime+stime+cutime+cstime`` of every process of the tree, sampled through
a window. A process that ends inside the window is reaped by its parent, whose
``cutime`` then holds the whole life of the child; :func:`window_ticks` takes
that into account, so short-lived children (and the ones restarted during the
window) are counted once and only for their time inside the window.

Memory: the sum of ``Pss:`` from ``/proc/<pid>/smaps_rollup`` over the tree, so
a binary shared by 60 FFmpegs counts once in total, not 60 times.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class ProcStat:
    pid: int
    ppid: int
    name: str
    """The command name (``comm``, at most 15 characters)."""
    state: str
    ticks: int
    """utime + stime + cutime + cstime: this process and its reaped descendants."""
    starttime: int
    """Clock ticks after boot; with ``pid`` it names one process even if the pid is reused."""

    @property
    def key(self) -> tuple[int, int]:
        return (self.pid, self.starttime)


def parse_stat(text: str) -> ProcStat:
    """Parse one ``/proc/<pid>/stat`` line (the command name may hold spaces and parens)."""
    open_paren = text.index("(")
    close_paren = text.rindex(")")
    pid = int(text[:open_paren])
    rest = text[close_paren + 2 :].split()
    # rest[0] is field 3 (state); field n is rest[n - 3].
    utime, stime, cutime, cstime = (int(v) for v in rest[11:15])
    return ProcStat(
        pid=pid,
        ppid=int(rest[1]),
        name=text[open_paren + 1 : close_paren],
        state=rest[0],
        ticks=utime + stime + cutime + cstime,
        starttime=int(rest[19]),
    )


def read_stat(pid: int) -> ProcStat | None:
    try:
        return parse_stat((PROC / str(pid) / "stat").read_text())
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None


def all_stats() -> dict[int, ProcStat]:
    stats: dict[int, ProcStat] = {}
    for entry in os.scandir(PROC):
        if entry.name.isdigit():
            stat = read_stat(int(entry.name))
            if stat is not None:
                stats[stat.pid] = stat
    return stats


def tree_of(roots: Iterable[int], stats: Mapping[int, ProcStat]) -> dict[int, ProcStat]:
    """The roots that exist in ``stats`` and all their descendants."""
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found: dict[int, ProcStat] = {}
    todo = [pid for pid in roots if pid in stats]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found[pid] = stats[pid]
        todo.extend(children.get(pid, ()))
    return found


def snapshot_tree(roots: Iterable[int]) -> dict[int, ProcStat]:
    return tree_of(roots, all_stats())


Sample = Mapping[tuple[int, int], ProcStat]


def window_ticks(samples: list[Sample]) -> int:
    """CPU ticks the tree used between the first and the last sample.

    Each process counts its ticks since the first sample (or since its birth
    when it appeared later). A process gone by the last sample whose parent is
    still in the tree was reaped by that parent, whose ``cutime`` already holds
    all of the child's ticks; the child's own last-seen ticks are then taken off
    so that nothing counts twice. A process gone whose parent is outside the
    tree (the roots) loses at most one sampling interval.
    """
    return sum(window_ticks_by_name(samples).values())


def window_ticks_by_name(samples: list[Sample]) -> dict[str, int]:
    """:func:`window_ticks` split by command name (where the CPU went).

    The last interval of a reaped child is attributed to its parent.
    """
    if not samples:
        return {}
    first, last = samples[0], samples[-1]
    latest: dict[tuple[int, int], ProcStat] = {}
    for sample in samples:
        latest.update(sample)
    last_pids = {stat.pid: stat for stat in last.values()}
    by_name: dict[str, int] = {}
    for key, stat in latest.items():
        base = first[key].ticks if key in first else 0
        by_name[stat.name] = by_name.get(stat.name, 0) + stat.ticks - base
        parent = last_pids.get(stat.ppid)
        if key not in last and parent is not None and _started_before(parent, stat):
            by_name[parent.name] = by_name.get(parent.name, 0) - stat.ticks
    return by_name


def _started_before(parent: ProcStat, child: ProcStat) -> bool:
    return parent.starttime <= child.starttime


@dataclass
class TreeCpuMeter:
    """Samples a process tree through a window; ``roots`` is asked at every sample."""

    roots: Callable[[], Iterable[int]]
    samples: list[Sample] | None = None
    started_at: float = 0.0
    ended_at: float = 0.0

    def start(self) -> None:
        self.samples = []
        self.started_at = time.monotonic()
        self.sample()

    def sample(self) -> None:
        assert self.samples is not None, "start() first"
        tree = snapshot_tree(self.roots())
        self.samples.append({stat.key: stat for stat in tree.values()})
        self.ended_at = time.monotonic()

    def cpu_seconds(self) -> float:
        return window_ticks(self.samples or []) / CLOCK_TICKS_PER_S

    def core_percent_by_name(self) -> dict[str, float]:
        """CPU per command name over the window, % of one core."""
        wall = self.wall_seconds()
        if wall <= 0:
            return {}
        ticks = window_ticks_by_name(self.samples or [])
        return {
            name: round(100.0 * t / CLOCK_TICKS_PER_S / wall, 3)
            for name, t in sorted(ticks.items(), key=lambda item: -item[1])
        }

    def wall_seconds(self) -> float:
        return self.ended_at - self.started_at

    def core_percent(self) -> float:
        """CPU as a percentage of one core over the window (200 % = two full cores)."""
        wall = self.wall_seconds()
        return 100.0 * self.cpu_seconds() / wall if wall > 0 else 0.0


def parse_pss_kib(smaps_rollup: str) -> int:
    """The ``Pss:`` value (kB) of one ``smaps_rollup`` text; 0 when absent."""
    for line in smaps_rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int:
    try:
        return parse_pss_kib((PROC / str(pid) / "smaps_rollup").read_text())
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0


def tree_pss_mib(roots: Iterable[int]) -> tuple[float, int, dict[str, float]]:
    """Summed PSS of the tree in MiB, how many processes it counted, and MiB per command name."""
    tree = snapshot_tree(roots)
    by_name: dict[str, float] = {}
    for pid, stat in tree.items():
        by_name[stat.name] = by_name.get(stat.name, 0.0) + pss_kib(pid) / 1024.0
    ranked = {n: round(v, 1) for n, v in sorted(by_name.items(), key=lambda item: -item[1])}
    return sum(by_name.values()), len(tree), ranked
