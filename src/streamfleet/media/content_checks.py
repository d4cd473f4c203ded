"""Black picture, frozen picture and silence: the rules, and when a condition starts and ends.

The checks sample each new segment: its first keyframe (already decoded for
the thumbnail) scaled down to a ``SAMPLE_WIDTH_PX`` x ``SAMPLE_HEIGHT_PX`` grey
picture, and the level of its audio. A condition must hold for its
``MIN_DURATION_S`` before it ``start``s and ``end``s at the first sample without
it, so one dark keyframe (a fade) raises nothing. Thresholds follow FFmpeg's
``blackdetect`` (pixel <= 10 %, 98 % of the picture), ``silencedetect`` (-60 dB)
and ``freezedetect`` (a tiny mean difference). Pure apart from ``luma_sample``,
which scales a decoded frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from streamfleet.domain.content_check import ContentCheck, enabled_checks
from streamfleet.domain.times import iso_utc

__all__ = ["ContentCheck", "enabled_checks"]  # their owner is domain.content_check

if TYPE_CHECKING:
    import av
    import numpy as np
    import numpy.typing as npt

# numpy (about 10 MiB of serve's memory) is imported by the functions that use it: only
# channels with content checks enabled need it.
LumaSample: TypeAlias = "npt.NDArray[np.uint8]"

SAMPLE_WIDTH_PX: Final = 64
SAMPLE_HEIGHT_PX: Final = 36
BLACK_PIXEL_MAX: Final = 25
"""A full-range luma value at or below this is black (10 % of 255, as blackdetect's pix_th)."""
BLACK_PICTURE_RATIO: Final = 0.98
FREEZE_MAX_MEAN_DIFFERENCE: Final = 0.5
"""Two samples whose mean absolute luma difference (0..255) is at most this are the same picture."""
SILENCE_MAX_DBFS: Final = -60.0


ALL_CHECKS: Final = tuple(ContentCheck)
MIN_DURATION_S: Final[dict[ContentCheck, float]] = {
    ContentCheck.BLACK: 2.0,
    ContentCheck.FREEZE: 4.0,
    ContentCheck.SILENCE: 4.0,
}


def luma_sample(frame: av.VideoFrame) -> LumaSample:
    """The frame as a small full-range grey picture, for the picture checks."""
    small = frame.reformat(
        width=SAMPLE_WIDTH_PX,
        height=SAMPLE_HEIGHT_PX,
        format="gray",
        interpolation="AREA",
        src_color_range=frame.color_range or "MPEG",
        dst_color_range="JPEG",
        threads=1,
    )
    import numpy as np

    return np.asarray(small.to_ndarray(), dtype=np.uint8)


def is_black(sample: LumaSample) -> bool:
    """At least ``BLACK_PICTURE_RATIO`` of the pixels are black."""
    if sample.size == 0:
        return False
    import numpy as np

    return float(np.count_nonzero(sample <= BLACK_PIXEL_MAX)) / sample.size >= BLACK_PICTURE_RATIO


def mean_difference(a: LumaSample, b: LumaSample) -> float:
    """Mean absolute difference per pixel (0..255); ``inf`` for samples of different shapes."""
    if a.shape != b.shape or a.size == 0:
        return math.inf
    import numpy as np

    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def is_frozen(previous: LumaSample | None, current: LumaSample) -> bool:
    return previous is not None and mean_difference(previous, current) <= FREEZE_MAX_MEAN_DIFFERENCE


def is_silent(level_dbfs: float | None) -> bool | None:
    """``None`` when there is no audio to judge."""
    if level_dbfs is None:
        return None
    return level_dbfs <= SILENCE_MAX_DBFS


@dataclass(frozen=True, slots=True)
class ContentTransition:
    """A condition started or ended: the ``content`` envelope's data."""

    check: ContentCheck
    state: str
    """``start`` or ``end``."""
    at: datetime

    def to_data(self) -> dict[str, Any]:
        return {"check": self.check.value, "state": self.state, "at": iso_utc(self.at)}


class ConditionTracker:
    """Turns samples of one check into ``start``/``end`` transitions."""

    def __init__(self, check: ContentCheck, min_duration_s: float | None = None) -> None:
        self.check = check
        self.min_duration_s = MIN_DURATION_S[check] if min_duration_s is None else min_duration_s
        self.active = False
        self._since: datetime | None = None

    def observe(self, present: bool | None, at: datetime) -> ContentTransition | None:
        """Record one sample; ``None`` (cannot tell) leaves the state as it is."""
        if present is None:
            return None
        if not present:
            self._since = None
            if self.active:
                self.active = False
                return ContentTransition(self.check, "end", at)
            return None
        if self._since is None:
            self._since = at
        if not self.active and (at - self._since).total_seconds() >= self.min_duration_s:
            self.active = True
            return ContentTransition(self.check, "start", self._since)
        return None

    def reset(self, at: datetime) -> ContentTransition | None:
        """The channel stopped being watched: end an active condition."""
        return self.observe(False, at)
