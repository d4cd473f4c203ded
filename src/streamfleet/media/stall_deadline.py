"""How long a running channel's media time may stand still before its source counts as gone.

The deadline follows the way the source delivers (pure; the engine passes the
clock readings and what it learnt of the source):

- ``CONTINUOUS`` (UDP, RTP, SRT, RTSP, RTMP, RIST): packets arrive all the
  time, FFmpeg's media time moves at every progress block, so a silence of
  ``stale_timeout_s`` (1.2 s) means the source is gone.
- ``PLAYLIST`` (HLS over HTTP(S)): FFmpeg's HLS demuxer fetches a whole
  segment at a time. It reloads the playlist one segment duration after the
  previous load, and half a target duration later again when nothing new was
  there, so media time moves in jumps up to 1.5 target durations apart (plus
  the download). Deadline: ``1.5 x target duration + HLS_MARGIN_S``, the target
  duration read from the source playlist's ``#EXT-X-TARGETDURATION``
  (``DEFAULT_TARGET_DURATION_S`` when it could not be read).
- ``BURSTS`` (any other HTTP(S) source: MPEG-TS progressive through a CDN or a
  proxy, which may hand the stream over in bursts): the deadline is learnt from
  the gaps between advances: ``BURST_CAP_S`` until ``LEARN_GAPS`` gaps were seen,
  then ``BURST_FACTOR x`` the longest of the last ``GAP_HISTORY`` gaps
  ``+ BURST_MARGIN_S``, never below ``stale_timeout_s`` and never above
  ``BURST_CAP_S``. A source sending without pause keeps (almost) the
  continuous deadline; one sending 1.5 s bursts gets about 3.5 s.

FFmpeg's own read timeout (``-rw_timeout``) of an HTTP source must not be
shorter than the deadline, or FFmpeg gives up between two bursts by itself:
``input_timeout_s()`` says how long it may wait. For the same reason the speed
of a channel on such a source is judged over a longer window (``speed_window_s()``).
"""

from __future__ import annotations

import enum
import math
from collections import deque
from typing import Final
from urllib.parse import urlsplit

from streamfleet.domain.url_policy import scheme_of
from streamfleet.media.playlist_summary import summarize

HLS_MARGIN_S: Final = 1.0
"""Added to 1.5 target durations: the download of a segment and a late wake-up."""
DEFAULT_TARGET_DURATION_S: Final = 6.0
"""Assumed when the source playlist could not be read (a master playlist, a redirect, …)."""
MIN_TARGET_DURATION_S: Final = 0.5
MAX_TARGET_DURATION_S: Final = 30.0
"""A target duration read from outside is held within these bounds."""
BURST_CAP_S: Final = 5.0
"""The longest pause between two bursts an HTTP source is allowed."""
BURST_FACTOR: Final = 1.5
BURST_MARGIN_S: Final = 0.5
LEARN_GAPS: Final = 4
"""Gaps seen before an HTTP source's deadline is learnt from them (``BURST_CAP_S`` until then)."""
GAP_HISTORY: Final = 20
"""The most recent gaps the learnt deadline considers."""
SPEED_WINDOW_TARGETS: Final = 15
"""A playlist source's speed is judged over this many target durations."""
BURST_SPEED_WINDOW_S: Final = 30.0
"""A bursty source's speed is judged over this long."""
HTTP_SCHEMES: Final = frozenset({"http", "https"})
PLAYLIST_CONTENT_TYPES: Final = frozenset(
    {"application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "audio/x-mpegurl"}
)


class Delivery(enum.StrEnum):
    CONTINUOUS = "continuous"
    PLAYLIST = "playlist"
    BURSTS = "bursts"


def delivery_of(url: str) -> Delivery:
    """What the URL alone says: HTTP(S) to a ``.m3u8`` path is a playlist, other HTTP(S) may
    come in bursts (unless its content turns out to be a playlist), the rest is continuous."""
    if scheme_of(url) not in HTTP_SCHEMES:
        return Delivery.CONTINUOUS
    try:
        path = urlsplit(url).path
    except ValueError:
        return Delivery.BURSTS
    return Delivery.PLAYLIST if path.lower().endswith(".m3u8") else Delivery.BURSTS


def is_playlist(head: str, content_type: str | None = None) -> bool:
    """Whether the first bytes of a response (or its content type) make it an HLS playlist."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return head.lstrip("\ufeff").startswith("#EXTM3U") or media_type in PLAYLIST_CONTENT_TYPES


def is_stream_type(content_type: str | None) -> bool:
    """A content type that is media, never a playlist (``video/mp2t``, ``video/*``)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type.startswith("video/") or media_type == "audio/mp2t"


def target_duration_of(text: str) -> float | None:
    """A media playlist's ``#EXT-X-TARGETDURATION`` within the bounds, else ``None``."""
    summary = summarize(text.lstrip("\ufeff"))
    if summary is None or summary.target_duration_s is None:
        return None
    target = summary.target_duration_s
    if not math.isfinite(target):
        return None
    return min(max(target, MIN_TARGET_DURATION_S), MAX_TARGET_DURATION_S)


def playlist_deadline_s(target_duration_s: float | None) -> float:
    target = DEFAULT_TARGET_DURATION_S if target_duration_s is None else target_duration_s
    return 1.5 * target + HLS_MARGIN_S


class StallDeadline:
    """One attempt's allowance: how long media time may stand still, given what was seen."""

    __slots__ = ("_gaps", "_last_advance", "delivery", "stale_timeout_s", "target_duration_s")

    def __init__(
        self,
        delivery: Delivery,
        stale_timeout_s: float,
        target_duration_s: float | None = None,
    ) -> None:
        self.delivery = delivery
        self.stale_timeout_s = stale_timeout_s
        self.target_duration_s = target_duration_s
        self._gaps: deque[float] = deque(maxlen=GAP_HISTORY)
        self._last_advance: float | None = None

    def observe_advance(self, now: float) -> None:
        """Media time moved at ``now`` (monotonic seconds)."""
        last = self._last_advance
        if last is not None and now > last:
            self._gaps.append(now - last)
        self._last_advance = now

    def allowance_s(self) -> float:
        """Seconds of standing still after the last advance that mean the source is gone."""
        if self.delivery is Delivery.PLAYLIST:
            return max(self.stale_timeout_s, playlist_deadline_s(self.target_duration_s))
        if self.delivery is Delivery.BURSTS:
            if len(self._gaps) < LEARN_GAPS:
                return max(self.stale_timeout_s, BURST_CAP_S)
            learnt = BURST_FACTOR * max(self._gaps) + BURST_MARGIN_S
            return min(max(learnt, self.stale_timeout_s), max(BURST_CAP_S, self.stale_timeout_s))
        return self.stale_timeout_s

    def input_timeout_s(self, base_s: float) -> float:
        """FFmpeg's read timeout for this source: never shorter than the longest allowance."""
        if self.delivery is Delivery.PLAYLIST:
            return max(base_s, playlist_deadline_s(self.target_duration_s))
        if self.delivery is Delivery.BURSTS:
            return max(base_s, BURST_CAP_S)
        return base_s

    def speed_window_s(self, base_s: float) -> float:
        """The span over which the channel's speed is judged: media time moves in jumps, so
        a short window reads the jitter of the jumps (a progress period, a download) as a
        slow speed (see ``engine/health.py``)."""
        if self.delivery is Delivery.PLAYLIST:
            target = self.target_duration_s or DEFAULT_TARGET_DURATION_S
            return max(base_s, SPEED_WINDOW_TARGETS * target)
        if self.delivery is Delivery.BURSTS:
            return max(base_s, BURST_SPEED_WINDOW_S)
        return base_s

    def jump_s(self) -> float:
        """How far apart media may arrive while the source is healthy (0: continuously)."""
        if self.delivery is Delivery.PLAYLIST:
            return 1.5 * (self.target_duration_s or DEFAULT_TARGET_DURATION_S)
        if self.delivery is Delivery.BURSTS:
            return BURST_CAP_S
        return 0.0

    def describe(self) -> str:
        """The rule in force, for the offline reason."""
        allowance = f"no progress for {self.allowance_s():.3g} s"
        if self.delivery is Delivery.PLAYLIST:
            target = self.target_duration_s
            known = f"{target:g} s" if target is not None else "unknown"
            return f"{allowance} (HLS source, target duration {known})"
        if self.delivery is Delivery.BURSTS:
            return f"{allowance} (HTTP source, allowed for its bursts)"
        return allowance
