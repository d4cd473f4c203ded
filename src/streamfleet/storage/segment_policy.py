"""Which segments stay on disk: recording keeps every segment, else only the live window."""

from __future__ import annotations

from streamfleet.domain.channel import Channel


def deletes_segments(channel: Channel) -> bool:
    """Whether FFmpeg deletes segments that left the playlist (``delete_segments``)."""
    return not channel.recording
