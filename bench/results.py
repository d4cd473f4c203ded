"""What one benchmark run measured: plain data, turned into JSON by ``dataclasses.asdict``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BARE = "bare-ffmpeg"
STREAMFLEET = "streamfleet"
NGINX = "nginx-rtmp"
CONTENDER_ORDER = (BARE, STREAMFLEET, NGINX)
LABELS = {BARE: "bare FFmpeg", STREAMFLEET: "streamfleet", NGINX: "nginx-rtmp"}


@dataclass
class LatencySummary:
    """Latency samples in seconds with their percentiles; ``missed`` never happened in time."""

    samples_s: list[float] = field(default_factory=list)
    missed: int = 0
    p50_s: float | None = None
    p95_s: float | None = None
    max_s: float | None = None


@dataclass
class StreamfleetFigures:
    """The figures only streamfleet has: reaction times and the live-event path."""

    serve_ready_s: float | None = None
    """From ``streamfleet serve`` starting to ``/readyz`` answering 200."""
    create_s: float | None = None
    """How long the N ``POST /api/v1/channels`` took."""
    all_online_s: float | None = None
    """From the first POST until every channel was reported ``online`` on the WebSocket."""
    segment_seconds: float | None = None
    sources_stopped: int = 0
    source_down_s: float | None = None
    offline_detection: LatencySummary = field(default_factory=LatencySummary)
    recovery: LatencySummary = field(default_factory=LatencySummary)
    false_offline_in_window: int | None = None
    false_offline_events: int | None = None
    """Offline reports of channels whose source never stopped, from their first ``online`` on."""
    false_offline_reports: list[dict[str, Any]] = field(default_factory=list)
    """Each of them: ``channel``, ``at_s`` (seconds after the channels were created), ``reason``."""
    window_status_changes: dict[str, int] = field(default_factory=dict)
    """Status reports in the steady window, by the status reported (a healthy run has none)."""
    ws_clients: int = 0
    ws: dict[str, Any] = field(default_factory=dict)
    """The WebSocket watcher's summary: messages per type, ``delay_ms``, ``status_delay_ms``."""
    api_list: dict[str, Any] = field(default_factory=dict)
    """``GET /api/v1/channels`` under concurrency: ``latency_ms`` percentiles, ``errors``."""
    thumbnail_cpu_s: float | None = None
    thumbnail_cpu_share: float | None = None
    """Thumbnailer CPU / CPU of the whole tree (serve + its FFmpeg children) in the window;
    None when the server does not say."""
    profile_path: str | None = None
    """py-spy's collapsed stacks of serve over the window (``--profile``)."""
    profile: dict[str, Any] = field(default_factory=dict)
    """Their summary: ``samples``, ``self_top`` and ``inclusive_top`` as [function, share]."""


@dataclass
class ContenderResult:
    name: str
    channels: int
    skipped: str | None = None
    """Why this contender did not run (for example nginx-rtmp is not installed)."""
    error: str | None = None
    """Why it failed while running."""
    window_s: float | None = None
    cpu_core_pct: float | None = None
    """CPU of the contender's process tree over the window, % of one core."""
    cpu_core_pct_per_channel: float | None = None
    pss_mib: float | None = None
    pss_mib_per_channel: float | None = None
    processes: int | None = None
    cpu_by_process: dict[str, float] = field(default_factory=dict)
    """CPU per command name in the window (% of one core): where the cost goes."""
    pss_by_process: dict[str, float] = field(default_factory=dict)
    """PSS per command name at the window's end (MiB)."""
    feeders_cpu_core_pct: float | None = None
    """The sources' CPU in the same window (not part of the contender's figure)."""
    all_output_s: float | None = None
    """From start until every playlist listed a first segment."""
    all_advancing_s: float | None = None
    """From start until every playlist had moved on to a second segment."""
    channels_advancing: int = 0
    channels_advancing_in_window: int = 0
    slowest_realtime_ratio: float | None = None
    """The slowest playlist's media added in the window (segments x their nominal length)
    divided by the window: below 1 it fell behind real time (quantised to one segment)."""
    streamfleet: StreamfleetFigures | None = None

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    @property
    def measured(self) -> bool:
        return self.skipped is None and self.error is None and self.cpu_core_pct is not None


@dataclass
class BenchResult:
    started_at: str
    channels: int
    window_s: float
    warmup_s: float
    machine: dict[str, Any]
    versions: dict[str, Any]
    params: dict[str, Any]
    contenders: list[ContenderResult] = field(default_factory=list)
    finished_at: str | None = None
    duration_s: float | None = None
    ratios: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)

    def contender(self, name: str) -> ContenderResult | None:
        return next((c for c in self.contenders if c.name == name), None)
