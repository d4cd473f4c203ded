"""FFmpeg stderr lines made safe to keep and show: every URL redacted, known secrets masked."""

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


def level_of(line: str) -> str | None:
    """The level tag FFmpeg adds with ``-loglevel level+…`` (``error``, ``warning``, …)."""
    match = _PREFIX_RE.match(line)
    return match.group(1) if match else None


def message_of(line: str) -> str:
    """The line without its ``[ctx @ 0x…] [level] `` prefix."""
    match = _PREFIX_RE.match(line)
    return line[match.end() :] if match else line
