"""A source that changes format on the fly (640x360 → 1280x720 on the same UDP port) is not
an outage.

FFmpeg's MPEG-TS demuxer stops at the first packet of the new format (``-xerror``:
"corrupt input packet" → "Invalid data found when processing input"), so the
child exits while the source is fine. When a child that was producing exits so
(``media.exit_reason.is_format_change``), the runner holds the ``offline`` it would
report: the next child starts at once, and if it produces within
``FORMAT_CHANGE_GRACE_S`` the channel never leaves its status; otherwise the held
exit is reported then, with its own reason. A child killed or silent is reported
at once, as before.
"""

from __future__ import annotations

from typing import Final

from streamfleet.media.exit_reason import is_format_change

FORMAT_CHANGE_GRACE_S: Final = 5.0
"""Spawn, probe (up to 2 s) and the new format's first keyframe (a 2 s GOP) fit in this."""


class HeldExit:
    """The exit of a producing child held back while the next child starts (pure)."""

    __slots__ = ("reason", "until")

    def __init__(self) -> None:
        self.reason: str | None = None
        self.until = 0.0

    def held_for(self, produced: bool, reason: str, now: float) -> bool:
        """Hold this exit (``True``) when a producing child stopped at a format change and no
        exit is held already (a second one in a row is reported); else release any held one."""
        held = self.release()
        if produced and not held and is_format_change(reason):
            self.hold(reason, now)
            return True
        return False

    def hold(self, reason: str, now: float, grace_s: float = FORMAT_CHANGE_GRACE_S) -> None:
        self.reason = reason
        self.until = now + grace_s

    def due(self, now: float) -> str | None:
        """The held reason once the grace is over (and no longer held), else ``None``."""
        if self.reason is None or now < self.until:
            return None
        reason, self.reason = self.reason, None
        return reason

    def release(self) -> bool:
        """The next child produced (or failed): whether an exit was held until now."""
        held, self.reason = self.reason is not None, None
        return held
