"""The issue's targets and the ratios they are judged on: pure functions of a result."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.percentiles import percentile
from bench.results import BARE, NGINX, STREAMFLEET, BenchResult, LatencySummary

CPU_RATIO_MAX = 1.10
PSS_RATIO_MAX = 1.10
OFFLINE_DETECTION_P95_MAX_S = 2.0
RECOVERY_MARGIN_S = 1.0
"""Recovery p95 may take one segment plus this."""
ALL_ONLINE_MAX_S = 10.0
WS_DELAY_P99_MAX_MS = 200.0
FALSE_OFFLINE_MAX = 0


@dataclass(frozen=True, slots=True)
class TargetCheck:
    name: str
    limit: str
    value: float | None
    unit: str
    met: bool | None
    """None: not measured in this run (contender skipped or failed)."""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "limit": self.limit,
            "value": self.value,
            "unit": self.unit,
            "met": self.met,
            "note": self.note,
        }


def latency_summary(samples_s: Sequence[float], missed: int) -> LatencySummary:
    """Percentiles where every missed event counts as infinitely late (p95 None if it lands
    there)."""
    values = [*samples_s, *([math.inf] * missed)]
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return LatencySummary(
        samples_s=[round(v, 4) for v in samples_s],
        missed=missed,
        p50_s=_finite(p50),
        p95_s=_finite(p95),
        max_s=_finite(max(values)) if values else None,
    )


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isinf(value) else round(value, 4)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return round(numerator / denominator, 3)


def compute_ratios(result: BenchResult) -> dict[str, dict[str, float | None]]:
    """streamfleet over bare FFmpeg and over nginx-rtmp, for CPU and PSS; and the CPU ratio
    with each phase's CPU counted in units of its feeders' CPU (``feeders_cpu_core_pct``).

    The contenders run one after the other, and the machine's speed drifts between their
    windows (other tenants of the host, its clock): the same feeders doing the same work
    cost 31.6 % of a core in one phase and 35.1 % in the next. Dividing each phase's CPU by
    its feeders' cancels that drift to first order. The targets are judged on the plain
    ratio; the corrected one says how much of a run's ratio was the machine."""
    sf = result.contender(STREAMFLEET)
    out: dict[str, dict[str, float | None]] = {"cpu": {}, "pss": {}, "cpu_per_feeder_cpu": {}}
    for peer_name in (BARE, NGINX):
        peer = result.contender(peer_name)
        key = f"{STREAMFLEET}/{peer_name}"
        if sf is None or peer is None or not sf.measured or not peer.measured:
            out["cpu"][key] = out["pss"][key] = out["cpu_per_feeder_cpu"][key] = None
            continue
        out["cpu"][key] = ratio(sf.cpu_core_pct, peer.cpu_core_pct)
        out["pss"][key] = ratio(sf.pss_mib, peer.pss_mib)
        out["cpu_per_feeder_cpu"][key] = ratio(
            _per_feeder_cpu(sf.cpu_core_pct, sf.feeders_cpu_core_pct),
            _per_feeder_cpu(peer.cpu_core_pct, peer.feeders_cpu_core_pct),
        )
    return out


def _per_feeder_cpu(cpu: float | None, feeders: float | None) -> float | None:
    if cpu is None or feeders is None or feeders <= 0:
        return None
    return cpu / feeders


def _check_max(
    name: str, value: float | None, limit: float, unit: str, measured: bool, note: str = ""
) -> TargetCheck:
    met = None if not measured else (value is not None and value <= limit)
    return TargetCheck(name, f"≤ {limit:g} {unit}".strip(), value, unit, met, note)


def evaluate_targets(result: BenchResult) -> list[TargetCheck]:
    sf = result.contender(STREAMFLEET)
    bare = result.contender(BARE)
    figures = sf.streamfleet if sf is not None and sf.measured else None
    have_sf = figures is not None
    have_bare = have_sf and bare is not None and bare.measured
    cpu_ratio = result.ratios.get("cpu", {}).get(f"{STREAMFLEET}/{BARE}")
    pss_ratio = result.ratios.get("pss", {}).get(f"{STREAMFLEET}/{BARE}")
    checks = [
        _check_max("CPU streamfleet / bare FFmpeg", cpu_ratio, CPU_RATIO_MAX, "", have_bare),
        _check_max("PSS streamfleet / bare FFmpeg", pss_ratio, PSS_RATIO_MAX, "", have_bare),
    ]
    segment = figures.segment_seconds if figures is not None else None
    recovery_limit = (segment or 2.0) + RECOVERY_MARGIN_S
    ws = figures.ws if figures is not None else {}
    ws_p99 = (ws.get("immediate_delay_ms") or {}).get("p99")
    metrics_p99 = ((ws.get("delay_by_type_ms") or {}).get("metrics") or {}).get("p99")
    ws_note = (
        f"metrics left out, held ≤ 1 s by design: their p99 {metrics_p99:.0f} ms"
        if isinstance(metrics_p99, int | float)
        else ""
    )
    detection = figures.offline_detection if figures is not None else LatencySummary()
    recovery = figures.recovery if figures is not None else LatencySummary()
    checks += [
        _check_max(
            "offline detection p95",
            detection.p95_s,
            OFFLINE_DETECTION_P95_MAX_S,
            "s",
            have_sf,
            _missed_note(detection),
        ),
        _check_max(
            "recovery p95",
            recovery.p95_s,
            recovery_limit,
            "s",
            have_sf,
            "; ".join(
                filter(
                    None,
                    [
                        f"segment {segment or 2.0:g} s + {RECOVERY_MARGIN_S:g} s",
                        _missed_note(recovery),
                    ],
                )
            ),
        ),
        _check_max(
            f"all {result.channels} channels online",
            figures.all_online_s if figures is not None else None,
            ALL_ONLINE_MAX_S,
            "s",
            have_sf,
        ),
        _check_max(
            "WebSocket delivery delay p99", ws_p99, WS_DELAY_P99_MAX_MS, "ms", have_sf, ws_note
        ),
        _check_max(
            "false offline events",
            float(figures.false_offline_events)
            if figures is not None and figures.false_offline_events is not None
            else None,
            FALSE_OFFLINE_MAX,
            "",
            have_sf,
        ),
    ]
    return checks


def _missed_note(summary: LatencySummary) -> str:
    return f"{summary.missed} not seen in time" if summary.missed else ""
