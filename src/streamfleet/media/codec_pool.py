"""The thumbnail codecs every channel shares: as many as there are threads making thumbnails.

A kept H.264 decoder holds its frame pool and tables (about 2.8 MiB after a 720p
keyframe) and a kept MJPEG encoder its own buffers; one of each per channel cost
``streamfleet serve`` about 170 MiB with 60 channels. A ``CodecPool`` lends one
``ThumbnailCodecs`` to each caller for the length of one thumbnail and keeps at
most ``keep`` of them idle, so the memory follows the number of worker threads,
not the number of channels.

A borrowed decoder may have served another channel last. ``KeyframeDecoder``
re-creates its context whenever a keyframe's parameter sets differ from the ones
it was set up with, so a channel never decodes with another channel's set-up;
channels that share an encoder set-up (the same SPS/PPS) reuse a warm decoder.
Thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from streamfleet.media.thumbnail import JpegEncoder, KeyframeDecoder


@dataclass(slots=True)
class ThumbnailCodecs:
    """One decoder and one encoder, used by one thread at a time."""

    decoder: KeyframeDecoder = field(default_factory=KeyframeDecoder)
    encoder: JpegEncoder = field(default_factory=JpegEncoder)


class CodecPool:
    """Lends ``ThumbnailCodecs``; keeps at most ``keep`` idle ones between thumbnails."""

    def __init__(self, keep: int = 2) -> None:
        self._keep = max(1, keep)
        self._idle: list[ThumbnailCodecs] = []
        self._lock = threading.Lock()
        self.created = 0
        """Codecs made so far (a busy pool makes a new set when all kept ones are lent)."""

    @property
    def idle(self) -> int:
        return len(self._idle)

    @contextmanager
    def borrow(self) -> Iterator[ThumbnailCodecs]:
        """One set of codecs for the ``with`` block; given back (or dropped) afterwards."""
        with self._lock:
            codecs = self._idle.pop() if self._idle else None
            if codecs is None:
                self.created += 1
        if codecs is None:
            codecs = ThumbnailCodecs()
        try:
            yield codecs
        finally:
            with self._lock:
                if len(self._idle) < self._keep:
                    self._idle.append(codecs)
