"""A run's results as JSON and as a Markdown table, written to ``bench/results/``.

:func:`render_markdown` is pure (a ``BenchResult`` in, text out); :func:`write_report`
writes ``<stem>.json``, ``<stem>.md`` and the chart ``<stem>.png``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.chart import write_chart
from bench.results import CONTENDER_ORDER, LABELS, STREAMFLEET, BenchResult, ContenderResult

MISSING = "-"


def report_stem(result: BenchResult) -> str:
    stamp = result.started_at.replace("-", "").replace(":", "")
    return f"bench-{stamp}-n{result.channels}"


def to_json(result: BenchResult) -> str:
    return json.dumps(asdict(result), indent=2, sort_keys=False, allow_nan=False)


def write_report(result: BenchResult, out_dir: Path) -> dict[str, Path]:
    """Write the JSON, the Markdown and the PNG; returns their paths by suffix."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(result)
    paths = {
        "json": out_dir / f"{stem}.json",
        "md": out_dir / f"{stem}.md",
        "png": out_dir / f"{stem}.png",
    }
    paths["json"].write_text(to_json(result) + "\n")
    paths["md"].write_text(render_markdown(result))
    write_chart(result, paths["png"])
    return paths


def _num(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return MISSING
    text = f"{value:.{digits}f}"
    return f"{text} {unit}".strip()


def _ordered(result: BenchResult) -> list[ContenderResult]:
    rank = {name: i for i, name in enumerate(CONTENDER_ORDER)}
    return sorted(result.contenders, key=lambda c: rank.get(c.name, len(rank)))


def render_markdown(result: BenchResult) -> str:
    lines = [
        f"# streamfleet benchmark: {result.channels} channels, {result.window_s:g} s window"
        + (" (soak)" if result.params.get("soak") else ""),
        "",
        _header(result),
        "",
        "CPU: % of one core over the steady window, every process of the contender's tree "
        "(children included, feeders excluded), from /proc/<pid>/stat. PSS: summed "
        "/proc/<pid>/smaps_rollup at the window's end. Advancing: from start until every "
        "playlist had moved on to a second segment.",
        "",
        "## Cost per contender",
        "",
        "| contender | CPU % of a core | CPU %/channel | PSS MiB | PSS MiB/channel "
        "| processes | all playlists advancing | sources' CPU % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for contender in _ordered(result):
        lines.append(_cost_row(contender))
    lines += [
        "",
        "Where the cost goes, by process name:",
        "",
        "| contender | CPU % of a core | PSS MiB |",
        "|---|---|---|",
    ]
    for contender in _ordered(result):
        if contender.cpu_by_process:
            cpu = " · ".join(f"{n} {v:.2f}" for n, v in contender.cpu_by_process.items())
            pss = " · ".join(f"{n} {v:.0f}" for n, v in contender.pss_by_process.items())
            lines.append(f"| {contender.label} | {cpu} | {pss} |")
    lines += [
        "",
        "## Ratios",
        "",
        "CPU per feeder CPU: each phase's CPU over its feeders' (the same work in every phase),",
        "which cancels the machine's drift between the phases; the targets use the plain ratio.",
        "",
        "| | CPU | CPU per feeder CPU | PSS |",
        "|---|---:|---:|---:|",
    ]
    for key in result.ratios.get("cpu", {}):
        peer = key.split("/", 1)[1]
        label = f"streamfleet / {_label(peer)}"
        cpu = result.ratios["cpu"].get(key)
        corrected = result.ratios.get("cpu_per_feeder_cpu", {}).get(key)
        pss = result.ratios.get("pss", {}).get(key)
        lines.append(f"| {label} | {_num(cpu, 2)} | {_num(corrected, 2)} | {_num(pss, 2)} |")
    sf = result.contender(STREAMFLEET)
    if sf is not None and sf.streamfleet is not None:
        lines += ["", "## streamfleet reactions", "", "| figure | value |", "|---|---:|"]
        lines += _streamfleet_rows(sf, result.channels)
    lines += ["", "## Targets", "", "| target | limit | measured | |", "|---|---|---:|---|"]
    for target in result.targets:
        lines.append(_target_row(target))
    lines.append("")
    return "\n".join(lines)


def _header(result: BenchResult) -> str:
    machine, versions = result.machine, result.versions
    memory = machine.get("memory_mib")
    memory_text = f"{memory / 1024:.1f} GiB" if isinstance(memory, int) else "? GiB"
    parts = [
        f"{result.started_at}",
        f"{machine.get('cores')} cores ({machine.get('cpu_model') or 'unknown CPU'}), "
        f"{memory_text}",
        f"Linux {machine.get('kernel')}",
        f"Python {versions.get('python')}",
        f"{versions.get('ffmpeg')}",
    ]
    if versions.get("copy_ffmpeg"):
        parts.append(f"streamfleet's copy channels on {versions['copy_ffmpeg']}")
    if versions.get("nginx"):
        parts.append(f"{versions['nginx']} + libnginx-mod-rtmp {versions.get('libnginx-mod-rtmp')}")
    parts.append(f"streamfleet {versions.get('streamfleet')} ({versions.get('git_commit')})")
    duration = f"; run took {result.duration_s:g} s" if result.duration_s is not None else ""
    return " · ".join(parts) + f"; warm-up {result.warmup_s:g} s{duration}."


def _label(name: str) -> str:
    return LABELS.get(name, name)


def _cost_row(c: ContenderResult) -> str:
    if c.skipped:
        return f"| {c.label} | skipped: {c.skipped} |||||||"
    if c.error and c.cpu_core_pct is None:
        return f"| {c.label} | failed: {c.error} |||||||"
    return (
        f"| {c.label} | {_num(c.cpu_core_pct, 1)} | {_num(c.cpu_core_pct_per_channel, 3)} "
        f"| {_num(c.pss_mib, 0)} | {_num(c.pss_mib_per_channel, 1)} | {c.processes or MISSING} "
        f"| {_num(c.all_advancing_s, 1, 's')} | {_num(c.feeders_cpu_core_pct, 1)} |"
    )


def _ms(block: dict[str, Any], key: str) -> float | None:
    value = block.get(key)
    return float(value) if isinstance(value, int | float) else None


def _streamfleet_rows(c: ContenderResult, channels: int) -> list[str]:
    f = c.streamfleet
    assert f is not None
    ws_delay = f.ws.get("delay_ms") or {}
    immediate = f.ws.get("immediate_delay_ms") or {}
    by_type: dict[str, Any] = f.ws.get("delay_by_type_ms") or {}
    status_delay = f.ws.get("status_delay_ms") or {}
    transition_delay = f.ws.get("transition_delay_ms") or {}
    api = f.api_list.get("latency_ms") or {}
    share = (
        f"{f.thumbnail_cpu_share * 100:.1f} % ({f.thumbnail_cpu_s:g} CPU s)"
        if f.thumbnail_cpu_share is not None and f.thumbnail_cpu_s is not None
        else "n/a (the server exposes no thumbnail CPU metric)"
    )
    rows = [
        ("serve ready (/readyz)", _num(f.serve_ready_s, 2, "s")),
        (f"{channels} channels created (POST)", _num(f.create_s, 2, "s")),
        (f"all {channels} online (WebSocket)", _num(f.all_online_s, 2, "s")),
        (
            f"offline detection p50 / p95 ({f.sources_stopped} sources stopped"
            + (f", {f.offline_detection.missed} missed" if f.offline_detection.missed else "")
            + ")",
            f"{_num(f.offline_detection.p50_s, 2)} / {_num(f.offline_detection.p95_s, 2)} s",
        ),
        (
            f"recovery p50 / p95 (sources down ≥ {f.source_down_s or 0:g} s"
            + (f", {f.recovery.missed} missed" if f.recovery.missed else "")
            + ")",
            f"{_num(f.recovery.p50_s, 2)} / {_num(f.recovery.p95_s, 2)} s",
        ),
        (
            f"WebSocket delivery delay p50 / p99, sent at once ({f.ws_clients} clients, "
            f"{f.ws.get('messages', 0)} messages"
            + (f" in {f.ws['frames']} frames)" if "frames" in f.ws else ")"),
            f"{_num(_ms(immediate, 'p50'), 1)} / {_num(_ms(immediate, 'p99'), 1)} ms",
        ),
        (
            "WebSocket delay p50 / p99, every message (metrics held ≤ 1 s)",
            f"{_num(_ms(ws_delay, 'p50'), 1)} / {_num(_ms(ws_delay, 'p99'), 1)} ms",
        ),
        (
            "WebSocket delay p99 by type",
            " · ".join(f"{kind} {_num(_ms(block, 'p99'), 1)}" for kind, block in by_type.items())
            or MISSING,
        ),
        (
            "status message delay p99 / max",
            f"{_num(_ms(status_delay, 'p99'), 1)} / {_num(_ms(status_delay, 'max'), 1)} ms",
        ),
        (
            "status change (data.since) to receipt p99 / max",
            f"{_num(_ms(transition_delay, 'p99'), 1)} / {_num(_ms(transition_delay, 'max'), 1)} ms",
        ),
        (
            f"GET /api/v1/channels p50 / p99 ({f.api_list.get('concurrency', MISSING)} "
            f"concurrent, {f.api_list.get('requests', 0)} requests, "
            f"{f.api_list.get('errors', 0)} errors)",
            f"{_num(_ms(api, 'p50'), 1)} / {_num(_ms(api, 'p99'), 1)} ms",
        ),
        (
            "false offline events (window / whole run)",
            f"{_count(f.false_offline_in_window)} / {_count(f.false_offline_events)}",
        ),
        (
            "status changes in the window, by status",
            " · ".join(f"{k} {v}" for k, v in sorted(f.window_status_changes.items())) or "none",
        ),
        ("thumbnail CPU, share of the whole tree (serve + FFmpeg)", share),
    ]
    rows += [
        (f"false offline: {r['channel']} at {r['at_s']} s", str(r["reason"]).replace("|", "/"))
        for r in f.false_offline_reports
    ]
    if f.profile_path:
        rows.append(("py-spy profile of the window", f"`{Path(f.profile_path).name}`"))
    lines = [f"| {name} | {value} |" for name, value in rows]
    if f.profile.get("samples"):
        lines += _profile_rows(f.profile)
    return lines


def _profile_rows(profile: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"Where serve's Python time goes (py-spy, {profile['samples']} samples, share of samples):",
        "",
        "| running itself | % | streamfleet code on the stack | % |",
        "|---|---:|---|---:|",
    ]
    own, anywhere = profile.get("self_top") or [], profile.get("inclusive_top") or []
    for i in range(max(len(own), len(anywhere))):
        a = own[i] if i < len(own) else ("", None)
        b = anywhere[i] if i < len(anywhere) else ("", None)
        lines.append(f"| `{a[0]}` | {_pct(a[1])} | `{b[0]}` | {_pct(b[1])} |".replace("``", ""))
    return lines


def _pct(share: float | None) -> str:
    return MISSING if share is None else f"{share * 100:.1f}"


def _count(value: int | None) -> str:
    return MISSING if value is None else str(value)


def _target_row(target: dict[str, Any]) -> str:
    met = target.get("met")
    verdict = "not measured" if met is None else ("met" if met else "**missed**")
    value = target.get("value")
    unit = target.get("unit") or ""
    measured = _num(value, 2, unit) if isinstance(value, int | float) else MISSING
    note = f" ({target['note']})" if target.get("note") else ""
    return f"| {target['name']}{note} | {target['limit']} | {measured} | {verdict} |"
