"""What a run was asked to do: the command line, as one value passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.results import BARE, NGINX, STREAMFLEET

CONTENDER_ALIASES = {
    "a": BARE,
    "bare": BARE,
    BARE: BARE,
    "b": STREAMFLEET,
    STREAMFLEET: STREAMFLEET,
    "c": NGINX,
    "nginx": NGINX,
    NGINX: NGINX,
}
MAX_OFFLINE_SOURCES = 10


@dataclass(frozen=True)
class BenchOptions:
    channels: int = 60
    window_s: float = 60.0
    """The steady window over which CPU is measured (``--seconds``, or ``--soak``)."""
    warmup_s: float = 10.0
    contenders: tuple[str, ...] = (BARE, STREAMFLEET, NGINX)
    out_dir: Path = Path("bench/results")
    work_dir: Path | None = None
    """Scratch space (HLS output, logs); a fresh temporary directory when None."""
    keep_work: bool = False
    soak: bool = False
    ws_clients: int = 50
    api_concurrency: int = 50
    api_requests: int = 1000
    offline_sources: int | None = None
    """How many sources to stop for the offline/recovery phase; None = N/3, at most 10."""
    source_down_s: float = 5.0
    """How long each stopped source stays down before it is restarted."""
    offline_stagger_s: float = 0.5
    """Sources are stopped one after the other this far apart."""
    reaction_timeout_s: float = 30.0
    """How long to wait for an ``offline`` or ``online`` report before counting it missed."""
    sample_interval_s: float = 1.0
    profile: bool = False
    """Record a py-spy profile of ``streamfleet serve`` over the window."""
    streamfleet_command: str | None = None
    """An executable that behaves like ``streamfleet`` (another build); None = this venv's."""
    copy_ffmpeg: str | None = None
    """streamfleet's copy channels run this FFmpeg (``STREAMFLEET_COPY_FFMPEG_PATH``, the lean
    build of ``make lean-ffmpeg``); None = the wheel's, as by default."""
    recording: bool = False
    """streamfleet's channels record (``--recording``): their archive and retention run too."""

    @property
    def start_timeout_s(self) -> float:
        """How long all channels may take to advance before the contender counts as failed."""
        return 30.0 + 0.5 * self.channels

    @property
    def sources_to_stop(self) -> int:
        if self.offline_sources is not None:
            return max(0, min(self.offline_sources, self.channels))
        return max(1, min(MAX_OFFLINE_SOURCES, self.channels // 3))


def parse_contenders(text: str) -> tuple[str, ...]:
    """``"a,b,c"`` or names (``bare-ffmpeg,streamfleet,nginx-rtmp``) to contender names, in the
    order given; raises ValueError naming an unknown one."""
    names: list[str] = []
    for raw in text.split(","):
        key = raw.strip().lower()
        if not key:
            continue
        if key not in CONTENDER_ALIASES:
            known = ", ".join(sorted(CONTENDER_ALIASES))
            raise ValueError(f"unknown contender {raw.strip()!r}; use one of {known}")
        name = CONTENDER_ALIASES[key]
        if name not in names:
            names.append(name)
    if not names:
        raise ValueError("no contender given")
    return tuple(names)
