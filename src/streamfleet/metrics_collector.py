"""The Prometheus collector: one ``FleetSnapshot`` of the fleet → our metric families.

Nothing is counted per tick: ``GET /metrics`` (``api/routes/metrics.py``, and a worker's
``fleet/worker_http.py``) takes a snapshot at scrape time and ``exposition()`` renders it
with the process collectors. Metric names and meanings are listed in docs/alerts.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

import streamfleet
from streamfleet.domain.status import UP, Status

SEVERITIES: Final = ("critical", "warning", "info")
OUTBOX_STATES: Final = ("pending", "delivered", "failed")
NAN: Final = math.nan


@dataclass(frozen=True, slots=True)
class ChannelSample:
    slug: str
    enabled: bool
    status: Status
    since: datetime | None
    restarts: int = 0
    metrics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    channels: list[ChannelSample]
    now: float
    engine_running: bool
    open_alerts: Mapping[str, int]
    outbox: Mapping[str, int]
    thumbnail_cpu_s: float | None = None
    fleet_wide: bool = True
    """False for a worker's snapshot (only the channels it runs): the counts of the whole
    fleet (``streamfleet_channels``, open alerts, the outbox) are left to the API nodes."""


class FleetCollector(Collector):
    """Turns one ``FleetSnapshot`` into metric families."""

    def __init__(self, snapshot: FleetSnapshot) -> None:
        self._s = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        s = self._s
        ch = ["channel"]

        def gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, doc, labels=labels if labels is not None else ch)

        up = gauge("streamfleet_channel_up", "1 when the channel is online or degraded.")
        status = gauge(
            "streamfleet_channel_status", "1 for the channel's current status.", [*ch, "status"]
        )
        enabled = gauge("streamfleet_channel_enabled", "1 when the channel should run.")
        bitrate = gauge(
            "streamfleet_channel_input_bitrate_bits_per_second", "Input bitrate in bits/s."
        )
        fps = gauge("streamfleet_channel_fps", "Frames per second FFmpeg processes.")
        speed = gauge("streamfleet_channel_speed_ratio", "FFmpeg speed (1 = real time).")
        age = gauge(
            "streamfleet_channel_last_segment_age_seconds", "Seconds since the last HLS segment."
        )
        uptime = gauge(
            "streamfleet_channel_uptime_seconds", "Seconds in the current up period (0 when down)."
        )
        restarts = CounterMetricFamily(
            "streamfleet_channel_restarts", "FFmpeg restarts of the channel.", labels=ch
        )
        dropped = CounterMetricFamily(
            "streamfleet_channel_frames_dropped", "Frames FFmpeg dropped.", labels=ch
        )
        per_status = dict.fromkeys(Status, 0)
        for c in s.channels:
            label = [c.slug]
            is_up = c.status in UP
            up.add_metric(label, 1.0 if is_up else 0.0)
            for st in Status:
                status.add_metric([c.slug, st.value], 1.0 if c.status is st else 0.0)
            enabled.add_metric(label, 1.0 if c.enabled else 0.0)
            kbps = _number(c.metrics.get("bitrate_kbps"))
            bitrate.add_metric(label, kbps * 1000 if not math.isnan(kbps) else NAN)
            fps.add_metric(label, _number(c.metrics.get("fps")))
            speed.add_metric(label, _number(c.metrics.get("speed")))
            age.add_metric(label, _number(c.metrics.get("last_segment_age_s")))
            since = c.since.timestamp() if c.since else s.now
            uptime.add_metric(label, max(0.0, s.now - since) if is_up else 0.0)
            restarts.add_metric(label, float(c.restarts))
            drops = _number(c.metrics.get("drop_frames"))
            dropped.add_metric(label, 0.0 if math.isnan(drops) else drops)
            per_status[c.status] += 1
        yield from (up, status, enabled, bitrate, fps, speed, age, uptime, restarts, dropped)
        if s.fleet_wide:
            yield from self._fleet_counts(per_status)
        total = CounterMetricFamily(
            "streamfleet_engine_restarts", "FFmpeg restarts of all channels.", labels=[]
        )
        total.add_metric([], float(sum(c.restarts for c in s.channels)))
        yield total
        engine = GaugeMetricFamily(
            "streamfleet_engine_up", "1 when a stream engine runs in this process.", labels=[]
        )
        engine.add_metric([], 1.0 if s.engine_running else 0.0)
        yield engine
        info = GaugeMetricFamily(
            "streamfleet_build_info", "The running streamfleet version.", labels=["version"]
        )
        info.add_metric([streamfleet.__version__], 1.0)
        yield info
        if s.thumbnail_cpu_s is not None:
            thumbs = CounterMetricFamily(
                "streamfleet_thumbnail_cpu_seconds", "CPU spent making thumbnails.", labels=[]
            )
            thumbs.add_metric([], s.thumbnail_cpu_s)
            yield thumbs

    def _fleet_counts(self, per_status: Mapping[Status, int]) -> Iterator[GaugeMetricFamily]:
        s = self._s
        channels = GaugeMetricFamily(
            "streamfleet_channels", "Channels per status.", labels=["status"]
        )
        for st, n in per_status.items():
            channels.add_metric([st.value], float(n))
        yield channels
        alerts = GaugeMetricFamily(
            "streamfleet_alerts_open", "Open alerts per severity.", labels=["severity"]
        )
        for sev in SEVERITIES:
            alerts.add_metric([sev], float(s.open_alerts.get(sev, 0)))
        yield alerts
        outbox = GaugeMetricFamily(
            "streamfleet_notifications", "Outbox rows per state.", labels=["state"]
        )
        for state in OUTBOX_STATES:
            outbox.add_metric([state], float(s.outbox.get(state, 0)))
        yield outbox


def exposition(
    snapshot: FleetSnapshot, *extra: Collector, registry: CollectorRegistry | None = None
) -> bytes:
    """The text format for ``snapshot`` plus this process's CPU, memory and GC (and ``extra``,
    and what ``registry`` holds already)."""
    registry = registry if registry is not None else CollectorRegistry(auto_describe=False)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    registry.register(FleetCollector(snapshot))
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return NAN
