"""The loudness of a segment's audio, for the silence check.

The audio PES packets are pulled out with ``ts_packets`` and decoded by a
decoder kept per channel (no container open), then the RMS level of all
samples is measured in dBFS. Keep one ``AudioLevelMeter`` per channel and use
it from one thread at a time.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import av

if TYPE_CHECKING:
    import numpy as np

from streamfleet.domain.errors import InvalidInput
from streamfleet.media.ts_packets import (
    AUDIO_DECODER_BY_STREAM_TYPE,
    elementary_stream,
    read_program_map,
)

SILENT_FLOOR_DBFS = -120.0
"""The level reported for digital silence (all samples zero)."""


def rms_dbfs(sum_of_squares: float, count: int) -> float | None:
    """RMS level in dBFS of ``count`` float samples in -1..1 (``None`` for no samples)."""
    if count <= 0:
        return None
    mean = sum_of_squares / count
    if mean <= 0:
        return SILENT_FLOOR_DBFS
    return max(SILENT_FLOOR_DBFS, round(10 * math.log10(mean), 2))


class AudioLevelMeter:
    """Measures the audio level of one channel's segments."""

    def __init__(self) -> None:
        self._context: Any = None
        self._decoder: str | None = None

    def level_dbfs(self, segment: bytes) -> float | None:
        """The RMS level of the segment's first audio stream; ``None`` without audio."""
        audio = read_program_map(segment).audio
        if audio is None:
            return None
        decoder = AUDIO_DECODER_BY_STREAM_TYPE.get(audio.stream_type)
        if decoder is None:
            return None
        if self._context is None or decoder != self._decoder:
            self._context = av.CodecContext.create(decoder, "r")
            self._context.thread_count = 1
            self._decoder = decoder
        import numpy as np  # here, not at the top: only channels with a silence check need it

        stream = b"".join(pes.data for pes in elementary_stream(segment, audio.pid))
        total = 0.0
        count = 0
        try:
            for packet in self._context.parse(stream):
                for frame in self._context.decode(packet):
                    samples = _as_float(frame.to_ndarray()).ravel()
                    total += float(np.dot(samples, samples))
                    count += samples.size
        except av.FFmpegError as exc:
            self._context = None
            raise InvalidInput.of("segment", f"audio does not decode: {exc}") from None
        return rms_dbfs(total, count)


def _as_float(samples: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Samples scaled to -1..1 whatever the decoder's sample format."""
    import numpy as np

    if samples.dtype.kind == "f":
        return samples.astype(np.float64, copy=False)
    if samples.dtype == np.uint8:
        return (samples.astype(np.float64) - 128.0) / 128.0
    return samples.astype(np.float64) / float(np.iinfo(samples.dtype).max)
