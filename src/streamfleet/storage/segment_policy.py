"""Which segments stay on disk: recording keeps every segment, else only the live window."""

from __future__ import annotations

from streamfleet.domain.channel import Channel


def deletes_segments(channel: Channel) -> bool:
    """Whether streamfleet deletes segments that left the public playlist (after a grace)."""
    return not channel.recording
