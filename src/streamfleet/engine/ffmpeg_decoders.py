"""Which decoders the FFmpeg binary has, read once when an engine is built.

A copy channel's stream probe may open only the binary's audio decoders
(``media/input_args.py`` ``probe_decoder_args``): an audio stream's sample rate is
known only once its decoder has seen a frame, while a video stream's size and pixel
format come from its parser. The list is the binary's own (``ffmpeg -decoders``), so
any audio codec it can decode still probes as before.
"""

from __future__ import annotations

import functools
import subprocess
from typing import Final

import structlog

log = structlog.get_logger()

LIST_TIMEOUT_S: Final = 10.0
AUDIO: Final = "A"


def parse_decoders(text: str, kind: str = AUDIO) -> tuple[str, ...]:
    """The names of the decoders of ``kind`` (``V``, ``A``, ``S``) in ``ffmpeg -decoders``'s
    output: after the ``------`` line, rows like `` A....D aac    AAC (Advanced Audio Coding)``."""
    names: list[str] = []
    listing = False
    for line in text.splitlines():
        fields = line.split()
        if not listing:
            listing = fields[:1] == ["------"]
            continue
        if len(fields) >= 2 and len(fields[0]) == 6 and fields[0][0] == kind:
            names.append(fields[1])
    return tuple(names)


@functools.cache
def audio_decoders(ffmpeg: str) -> tuple[str, ...]:
    """The binary's audio decoders; ``()`` when it cannot list them (the probe then opens
    whatever it needs, as FFmpeg does by default)."""
    try:
        done = subprocess.run(
            [ffmpeg, "-hide_banner", "-decoders"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=LIST_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("engine.decoders_not_listed", ffmpeg=ffmpeg, error=str(exc))
        return ()
    names = parse_decoders(done.stdout) if done.returncode == 0 else ()
    if not names:
        log.warning("engine.decoders_not_listed", ffmpeg=ffmpeg, rc=done.returncode)
    return names
