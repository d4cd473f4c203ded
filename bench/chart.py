"""The PNG chart: CPU and memory per channel, one bar per contender (Agg, no display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from bench.results import CONTENDER_ORDER, BenchResult, ContenderResult

COLORS = {"bare-ffmpeg": "#7f8c8d", "streamfleet": "#2e86de", "nginx-rtmp": "#27ae60"}


def write_chart(result: BenchResult, path: Path) -> None:
    contenders = [c for name in CONTENDER_ORDER if (c := result.contender(name)) is not None]
    figure = Figure(figsize=(10, 4.2), dpi=120)
    cpu_axes, pss_axes = figure.subplots(1, 2)
    _bars(cpu_axes, contenders, "cpu", "CPU per channel (% of one core)")
    _bars(pss_axes, contenders, "pss", "PSS per channel (MiB)")
    figure.suptitle(
        f"{result.channels} channels, {result.window_s:g} s window · "
        f"{result.machine.get('cores')} cores · {result.started_at}"
    )
    figure.tight_layout()
    figure.savefig(path)


def _bars(axes: object, contenders: list[ContenderResult], kind: str, title: str) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    labels = [c.label for c in contenders]
    values = [
        (c.cpu_core_pct_per_channel if kind == "cpu" else c.pss_mib_per_channel)
        if c.measured
        else None
        for c in contenders
    ]
    heights = [v or 0.0 for v in values]
    colors = [COLORS.get(c.name, "#999999") for c in contenders]
    bars = axes.bar(labels, heights, color=colors)
    for bar, value, contender in zip(bars, values, contenders, strict=True):
        missing = "skipped" if contender.skipped else "failed"
        text = f"{value:.3g}" if value is not None else missing
        axes.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    axes.set_title(title)
    axes.set_ylim(0, max([*heights, 0.0]) * 1.2 or 1.0)
    axes.grid(axis="y", alpha=0.3)
