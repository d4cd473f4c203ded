"""The last stderr lines of a channel's FFmpeg, kept across restarts (``GET …/log``).

While ``joining`` (from a child's start until its media time first advances)
the decoder noise of joining a stream between two keyframes
(``media.log_lines.is_join_noise``) is counted, not kept: it reaches neither
the operator's log tail nor an exit reason. ``joined()`` ends that and adds one
line saying how many were hidden; any such line after it is kept.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from streamfleet.media.log_lines import decode_lines, is_join_noise, redact_line

LOG_LINES: Final = 200
MAX_PARTIAL_BYTES: Final = 8192


class LogRing:
    """A ring of redacted text lines; feed it raw stderr chunks of any size."""

    __slots__ = ("_lines", "_partial", "_secrets", "hidden", "joining", "total")

    def __init__(self, size: int = LOG_LINES, secrets: tuple[str, ...] = ()) -> None:
        self._lines: deque[str] = deque(maxlen=size)
        self._partial = b""
        self._secrets = secrets
        self.total = 0
        """Lines ever added: a mark for ``since()``."""
        self.joining = False
        """Hide join noise (a child started and has not produced yet)."""
        self.hidden = 0
        """Join-noise lines hidden since ``joining`` was set."""

    def join(self) -> None:
        """A child starts: hide its join noise until ``joined()``."""
        self.joining = True
        self.hidden = 0

    def joined(self) -> None:
        """The child's media time advanced: from now on every line is kept."""
        if self.joining and self.hidden:
            self.append(
                f"--- {self.hidden} decoder messages before the first keyframe hidden"
                " (joined the stream between two keyframes) ---"
            )
        self.joining = False
        self.hidden = 0

    def set_secrets(self, secrets: tuple[str, ...]) -> None:
        self._secrets = secrets

    def feed(self, chunk: bytes) -> list[str]:
        """Add the complete lines of ``chunk``; returns them (redacted)."""
        data = self._partial + chunk if self._partial else chunk
        head, sep, tail = data.rpartition(b"\n")
        if not sep:
            self._partial = data[-MAX_PARTIAL_BYTES:]
            return []
        self._partial = tail[-MAX_PARTIAL_BYTES:]
        lines = [redact_line(line, self._secrets) for line in decode_lines(head)]
        self._add(lines)
        return lines

    def _add(self, lines: list[str]) -> None:
        if self.joining:
            kept = [line for line in lines if not is_join_noise(line)]
            self.hidden += len(lines) - len(kept)
            lines = kept
        self._lines.extend(lines)
        self.total += len(lines)

    def flush(self) -> None:
        """The child ended: keep its unterminated last line too."""
        if self._partial:
            self._add([redact_line(x, self._secrets) for x in decode_lines(self._partial)])
            self._partial = b""

    def append(self, line: str) -> None:
        """A line of our own (``--- restart 3 ---``)."""
        self._add([redact_line(line, self._secrets)])

    def tail(self, n: int | None = None) -> list[str]:
        lines = list(self._lines)
        return lines if n is None else lines[-n:]

    def since(self, mark: int) -> list[str]:
        """The lines added after ``total`` was ``mark`` (those still kept)."""
        count = min(self.total - mark, len(self._lines))
        return self.tail(count) if count > 0 else []
