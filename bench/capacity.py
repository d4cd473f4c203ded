"""``python -m bench --capacity``: the most copy channels each contender holds on this machine.

For each contender, N starts at ``--capacity-start`` and grows by ``--capacity-step`` (at
most ``--capacity-max``). Every N is a fresh run of the ordinary measurement (feeders, start,
warm-up, the ``--seconds`` window; streamfleet also its offline/recovery phase). N holds when:

- every playlist advanced and kept up with real time over the window (the slowest one added
  at least ``window - one segment - 5 %`` of media);
- streamfleet: no channel changed status in the window (none left ``online``), no false
  offline, and offline detection p95 at most ``DETECTION_P95_LIMIT_S`` with none missed.

The first N that fails ends that contender's search. The report gives the largest N that
held, the contender's and the feeders' CPU at that N (the feeders share the machine), and
why the next N failed. Written to ``<out>/capacity-<UTC start>.{json,md}``.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bench.binaries import ffmpeg_path
from bench.clip import ensure_clip
from bench.contenders.base import RunContext
from bench.machine import machine_info, versions
from bench.options import BenchOptions
from bench.progress import RunProgress
from bench.results import ContenderResult
from bench.runner import CONTENDERS, measure

DETECTION_P95_LIMIT_S: Final = 2.0
REALTIME_SLACK: Final = 0.05


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    start: int = 20
    step: int = 10
    maximum: int = 300


@dataclass
class Trial:
    channels: int
    held: bool
    why: str = ""
    cpu_core_pct: float | None = None
    feeders_cpu_core_pct: float | None = None
    slowest_realtime_ratio: float | None = None
    detection_p95_s: float | None = None


@dataclass
class ContenderCapacity:
    name: str
    trials: list[Trial] = field(default_factory=list)
    skipped: str | None = None

    @property
    def largest_held(self) -> Trial | None:
        held = [t for t in self.trials if t.held]
        return held[-1] if held else None

    @property
    def first_failed(self) -> Trial | None:
        return next((t for t in self.trials if not t.held), None)


def why_not_held(result: ContenderResult, segment_s: float) -> str:
    """Why a trial's N did not hold, or ``""`` when it did."""
    if result.error:
        return f"failed: {result.error}"
    if result.channels_advancing_in_window < result.channels:
        return f"{result.channels_advancing_in_window}/{result.channels} playlists advanced"
    window = result.window_s or 0.0
    floor = 1.0 - (segment_s / window if window else 1.0) - REALTIME_SLACK
    ratio = result.slowest_realtime_ratio
    if ratio is None or ratio < floor:
        return f"a playlist fell behind real time ({ratio} x, floor {floor:.2f})"
    figures = result.streamfleet
    if figures is None:
        return ""
    changes = {k: v for k, v in figures.window_status_changes.items() if v}
    if changes:
        return f"status changes in the window: {changes}"
    if figures.false_offline_events:
        return f"{figures.false_offline_events} false offline events"
    detection = figures.offline_detection
    if detection.missed:
        return f"{detection.missed} offline detections missed"
    if detection.p95_s is None or detection.p95_s > DETECTION_P95_LIMIT_S:
        return f"offline detection p95 {detection.p95_s} s > {DETECTION_P95_LIMIT_S:g} s"
    return ""


def trial_of(result: ContenderResult, segment_s: float) -> Trial:
    why = why_not_held(result, segment_s)
    figures = result.streamfleet
    return Trial(
        channels=result.channels,
        held=not why,
        why=why,
        cpu_core_pct=result.cpu_core_pct,
        feeders_cpu_core_pct=result.feeders_cpu_core_pct,
        slowest_realtime_ratio=result.slowest_realtime_ratio,
        detection_p95_s=figures.offline_detection.p95_s if figures else None,
    )


def ladder(plan: CapacityPlan) -> list[int]:
    return list(range(plan.start, plan.maximum + 1, plan.step))


async def run_capacity(
    options: BenchOptions, plan: CapacityPlan, progress: RunProgress
) -> list[ContenderCapacity]:
    ffmpeg = ffmpeg_path()
    clip = ensure_clip(ffmpeg)
    found: list[ContenderCapacity] = []
    with tempfile.TemporaryDirectory(prefix="streamfleet-capacity-") as scratch:
        for name in options.contenders:
            outcome = ContenderCapacity(name)
            found.append(outcome)
            for n in ladder(plan):
                trial_options = dataclasses.replace(options, channels=n)
                work_dir = Path(scratch) / f"{name}-{n}"
                ctx = RunContext(ffmpeg, clip, trial_options, work_dir, progress)
                contender = CONTENDERS[name](ctx)
                progress.phase(f"{name}: capacity trial at N={n}")
                result = await measure(contender, ctx)
                if result.skipped:
                    outcome.skipped = result.skipped
                    break
                trial = trial_of(result, contender.segment_seconds)
                outcome.trials.append(trial)
                progress.log(f"{name} N={n}: {'held' if trial.held else trial.why}")
                if not trial.held:
                    break
    return found


def render_markdown(found: list[ContenderCapacity], started_at: str) -> str:
    lines = [
        f"# Capacity: copy channels (720p25 ~3 Mb/s) held per contender, {started_at}",
        "",
        "| contender | largest N held | its CPU % of a core | feeders' CPU % | "
        "next N | why it failed |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for c in found:
        if c.skipped:
            lines.append(f"| {c.name} | skipped: {c.skipped} | | | | |")
            continue
        held, failed = c.largest_held, c.first_failed
        lines.append(
            f"| {c.name} | {held.channels if held else 'none'} "
            f"| {_num(held.cpu_core_pct if held else None)} "
            f"| {_num(held.feeders_cpu_core_pct if held else None)} "
            f"| {failed.channels if failed else '-'} "
            f"| {failed.why if failed else 'held to the max'} |"
        )
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def write_capacity_report(
    found: list[ContenderCapacity], plan: CapacityPlan, out_dir: Path, started_at: str
) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "capacity-" + started_at.replace("-", "").replace(":", "")
    body: dict[str, Any] = {
        "started_at": started_at,
        "plan": dataclasses.asdict(plan),
        "machine": machine_info(),
        "versions": versions(),
        "contenders": [
            {
                "name": c.name,
                "skipped": c.skipped,
                "largest_held": c.largest_held.channels if c.largest_held else None,
                "trials": [dataclasses.asdict(t) for t in c.trials],
            }
            for c in found
        ],
    }
    paths = {"json": out_dir / f"{stem}.json", "md": out_dir / f"{stem}.md"}
    paths["json"].write_text(json.dumps(body, indent=2) + "\n")
    paths["md"].write_text(render_markdown(found, started_at))
    return paths


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
