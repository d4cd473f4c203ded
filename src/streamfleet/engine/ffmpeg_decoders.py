"""What an FFmpeg binary has (its decoders, its input protocols), read once when an engine
is built.

A copy channel's stream probe may open only the binary's audio decoders
(``media/input_args.py`` ``probe_decoder_args``): an audio stream's sample rate is
known only once its decoder has seen a frame, while a video stream's size and pixel
format come from its parser. The list is the binary's own (``ffmpeg -decoders``), so
any audio codec it can decode still probes as before.

A second binary for copy channels (``Settings.copy_ffmpeg_path``, a lean build) runs a
channel only when it has every protocol the channel's source needs (``input_names``).
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


def parse_input_protocols(text: str) -> frozenset[str]:
    """The names under ``Input:`` in ``ffmpeg -protocols``'s output (up to ``Output:``)."""
    names: set[str] = set()
    listing = False
    for line in text.splitlines():
        word = line.strip()
        if word in ("Input:", "Output:"):
            listing = word == "Input:"
        elif listing and word:
            names.add(word)
    return frozenset(names)


def parse_demuxers(text: str) -> frozenset[str]:
    """The demuxer names in ``ffmpeg -demuxers``'s output: after the `` ---`` line, rows like
    `` D   mov,mp4,m4a,3gp,3g2,mj2 QuickTime / MOV`` (one row may name several)."""
    names: set[str] = set()
    listing = False
    for line in text.splitlines():
        fields = line.split()
        if not listing:
            listing = fields[:1] == ["---"]
            continue
        if len(fields) >= 2 and fields[0].startswith("D"):
            names.update(fields[1].split(","))
    return frozenset(names)


def _listing(ffmpeg: str, flag: str, event: str) -> str | None:
    """``ffmpeg -hide_banner <flag>``'s output, ``None`` (logged as ``event``) if it failed."""
    try:
        done = subprocess.run(
            [ffmpeg, "-hide_banner", flag],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=LIST_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning(event, ffmpeg=ffmpeg, error=str(exc))
        return None
    if done.returncode != 0:
        log.warning(event, ffmpeg=ffmpeg, rc=done.returncode)
        return None
    return done.stdout


@functools.cache
def audio_decoders(ffmpeg: str) -> tuple[str, ...]:
    """The binary's audio decoders; ``()`` when it cannot list them (the probe then opens
    whatever it needs, as FFmpeg does by default)."""
    text = _listing(ffmpeg, "-decoders", "engine.decoders_not_listed")
    names = parse_decoders(text) if text is not None else ()
    if text is not None and not names:
        log.warning("engine.decoders_not_listed", ffmpeg=ffmpeg, rc=0)
    return names


@functools.cache
def input_names(ffmpeg: str) -> frozenset[str]:
    """What the binary can read, in the names a ``-protocol_whitelist`` uses: its input
    protocols and its demuxers (``rtsp`` is one). Empty when it cannot list them."""
    protocols = _listing(ffmpeg, "-protocols", "engine.protocols_not_listed")
    demuxers = _listing(ffmpeg, "-demuxers", "engine.demuxers_not_listed")
    if protocols is None or demuxers is None:
        return frozenset()
    return parse_input_protocols(protocols) | parse_demuxers(demuxers)
