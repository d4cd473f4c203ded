"""Which segments stay on disk: the live folder holds only the live window, recording or not.

Every channel's segments leave the live folder a grace after they left the public
playlist (``engine/publisher.py``); a recording channel's are hard-linked into the
archive first (``engine/recorder.py``), where retention removes them.
"""

from __future__ import annotations

from streamfleet.domain.channel import Channel


def records(channel: Channel) -> bool:
    """Whether the channel's published segments are archived."""
    return channel.recording
