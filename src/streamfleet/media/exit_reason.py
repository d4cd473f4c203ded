"""Why an FFmpeg child ended, and whether starting it again can help.

FFmpeg exits with rc 0 both on a clean end and on a lost source, and error
lines on stderr are not fatal by themselves (joining UDP mid-GOP logs
``non-existing PPS`` at error level). So the verdict looks for messages that
name a configuration problem retrying cannot fix; everything else, above all
anything network-like, is retryable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from streamfleet.media.log_lines import is_probe_refusal, level_of, message_of

NON_RETRYABLE: Final[tuple[str, ...]] = (
    "Unknown encoder",
    "Encoder not found",
    "Unknown decoder",
    "Decoder not found",
    "Unrecognized option",
    "Option not found",
    "Error splitting the argument list",
    "not on whitelist",
    "not in allowed_segment_extensions",
    "Protocol not found",
    "matches no streams",
    "Could not find tag for codec",
    "codec not currently supported in container",
    "Error while opening encoder",
    "Error initializing output stream",
    "No such filter",
)
"""Messages that mean the arguments or the source can never work with this configuration."""

NON_RETRYABLE_BEFORE_OUTPUT: Final[tuple[str, ...]] = ("Invalid argument", "Permission denied")
"""Fatal only when FFmpeg exits before producing anything (later they come from the network)."""

MAX_REASON_CHARS: Final = 200
_IGNORED: Final[tuple[str, ...]] = (
    "Exiting with exit code",
    "Conversion failed",
    "Exiting normally",
    # decoder noise of a stream joined mid-GOP or briefly corrupted: never the cause
    "non-existing PPS",
    "no frame!",
    "decode_slice_header error",
    "concealing",
    "error while decoding MB",
    "Packet corrupt",
    "Invalid NAL unit size",
    "missing picture in access unit",
)


FORMAT_CHANGE_MARKERS: Final[tuple[str, ...]] = (
    "Invalid data found when processing input",
    "corrupt input packet",
)
"""How FFmpeg's demuxer (with ``-xerror``) stops at the first packet of a source whose format
changed (measured: a UDP source switching from 640x360 to 1280x720 on the same port)."""


def is_format_change(reason: str) -> bool:
    """Whether an exit reason is the demuxer refusing data it did not expect."""
    return any(marker in reason for marker in FORMAT_CHANGE_MARKERS)


@dataclass(frozen=True, slots=True)
class ExitVerdict:
    retryable: bool
    reason: str


def classify_exit(
    returncode: int | None, stderr_tail: Sequence[str], produced_output: bool
) -> ExitVerdict:
    """The verdict for a child that ended with ``returncode`` after writing ``stderr_tail``."""
    for line in reversed(stderr_tail):
        if any(marker in line for marker in NON_RETRYABLE) and not is_probe_refusal(line):
            return ExitVerdict(False, shorten(message_of(line)))
    if not produced_output:
        for line in reversed(stderr_tail):
            if any(marker in line for marker in NON_RETRYABLE_BEFORE_OUTPUT):
                return ExitVerdict(False, shorten(message_of(line)))
    return ExitVerdict(True, describe(returncode, stderr_tail))


def describe(returncode: int | None, stderr_tail: Sequence[str]) -> str:
    """The last error-like line, or what the exit code says."""
    for line in reversed(stderr_tail):
        if (
            level_of(line) in ("error", "fatal", "panic")
            and not any(i in line for i in _IGNORED)
            and not is_probe_refusal(line)
        ):
            return shorten(message_of(line))
    if returncode is None:
        return "FFmpeg did not report an exit code"
    if returncode < 0:
        return f"FFmpeg was killed by signal {-returncode}"
    if returncode == 0:
        return "the source ended"
    return f"FFmpeg exited with code {returncode}"


def shorten(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"
