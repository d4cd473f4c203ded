"""A channel moved from one worker of the fleet to another, and why.

Every move is a fact in the channel's history (an event row of type ``moved``) and on
the event bus (``channel_moved``): the placer records ``worker lost`` when it places a
channel whose worker stopped heartbeating, a drain records ``drained`` for each
channel it hands over, and a worker running more channels than its capacity (it came
back with a smaller one) records ``over capacity`` for each it gives away.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Final

MOVE_EVENT_TYPE: Final = "moved"


class MoveReason(enum.StrEnum):
    WORKER_LOST = "worker lost"
    DRAINED = "drained"
    OVER_CAPACITY = "over capacity"


@dataclass(frozen=True, slots=True)
class ChannelMoved:
    channel_id: int
    at: datetime
    from_worker: str
    to_worker: str
    reason: MoveReason
    epoch: int
    """The lease epoch the channel runs under on ``to_worker``."""

    def as_data(self) -> dict[str, str | int]:
        return {"from": self.from_worker, "to": self.to_worker, "epoch": self.epoch}
