"""FFmpeg stderr lines made safe to keep and show: every URL redacted, known secrets masked;
and which lines are the noise of joining a stream between two keyframes.

Joining mid-GOP: FFmpeg's stream-info probe decodes the first video packets to
learn the stream's parameters; before the first keyframe (and its SPS/PPS) the
H.264/HEVC decoder refuses every slice, a few lines per frame, e.g.::

    [h264 @ 0x55db89730d80] [error] non-existing PPS 0 referenced
    [h264 @ 0x55db89730d80] [error] decode_slice_header error
    [h264 @ 0x55db89730d80] [error] no frame!

They say nothing about the source (it is fine from its next keyframe on).
A copy channel's probe may open no video decoder (``input_args.probe_decoder_args``), so
at each start it logs, instead of most of those::

    [h264 @ 0x55d1cf8ec140] [error] Codec (h264) not on whitelist 'aac,…'
    [in#0/mpegts @ 0x55d1cf8a0280] [warning] Failed to open codec in avformat_find_stream_info

``is_join_noise()`` recognises all of them; the log ring hides them until the child's
media time first advances, and after that shows them like any other line.
"""

from __future__ import annotations

import re
from typing import Final

from streamfleet.domain.url_policy import redact

MAX_LINE_CHARS: Final = 500
_URL_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_PREFIX_RE: Final = re.compile(r"^(?:\[[^\]]*@ 0x[0-9a-f]+\] )?(?:\[(\w+)\] )?")


def redact_line(line: str, secrets: tuple[str, ...] = ()) -> str:
    """``line`` with each URL passed through ``redact()`` and each secret replaced by ``***``."""
    if "://" in line:
        line = _URL_RE.sub(lambda m: redact(m.group(0)), line)
    for secret in secrets:
        if secret:
            line = line.replace(secret, "***")
    return line[:MAX_LINE_CHARS]


def decode_lines(chunk: bytes) -> list[str]:
    """Complete lines of a stderr chunk as text (FFmpeg may print bytes that are not UTF-8)."""
    return [line.rstrip("\r") for line in chunk.decode("utf-8", "replace").split("\n") if line]


JOIN_NOISE_CODECS: Final = frozenset({"h264", "hevc"})
_JOIN_NOISE_RE: Final = re.compile(
    r"^(?:non-existing [SP]PS \d+ referenced(?: in buffering period)?"
    r"|decode_slice_header error"
    r"|no frame!"
    r"|[SP]PS id out of range: \d+"
    r"|PPS id out of range: \d+"
    r"|Error parsing NAL unit #\d+\."
    r"|Could not find ref with POC -?\d+"
    r"|Skipping invalid undecodable NALU: \d+)$"
)
_CONTEXT_RE: Final = re.compile(r"^\[(\w+) @ 0x[0-9a-f]+\] ")
_PROBE_REFUSAL_RE: Final = re.compile(
    r"^\[\w+ @ 0x[0-9a-f]+\] \[error\] Codec \(\w+\) not on whitelist '"
    r"|^\[in#\d+/\w+ @ 0x[0-9a-f]+\] \[warning\] Failed to open codec in"
    r" avformat_find_stream_info$"
)


def is_probe_refusal(line: str) -> bool:
    """The stream probe told it may not open a decoder (``-codec_whitelist``, see above)."""
    return _PROBE_REFUSAL_RE.match(line) is not None


def is_join_noise(line: str) -> bool:
    """A video decoder's complaint about the packets before the first keyframe, or the probe's
    refused decoder (see above)."""
    if is_probe_refusal(line):
        return True
    context = _CONTEXT_RE.match(line)
    if context is None or context.group(1) not in JOIN_NOISE_CODECS:
        return False
    return _JOIN_NOISE_RE.match(message_of(line)) is not None


def level_of(line: str) -> str | None:
    """The level tag FFmpeg adds with ``-loglevel level+…`` (``error``, ``warning``, …)."""
    match = _PREFIX_RE.match(line)
    return match.group(1) if match else None


def message_of(line: str) -> str:
    """The line without its ``[ctx @ 0x…] [level] `` prefix."""
    match = _PREFIX_RE.match(line)
    return line[match.end() :] if match else line
