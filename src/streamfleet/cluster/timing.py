"""The fleet's timings, each named with its unit (issue 15: heartbeat 2 s, lease TTL 10 s)."""

from __future__ import annotations

from typing import Final

HEARTBEAT_INTERVAL_S: Final = 2.0
"""How often a worker heartbeats and renews all its leases (and a leader its lease)."""

LEASE_TTL_S: Final = 10.0
"""How long a claim or renewal holds a lease, by the database's clock."""

SAFETY_INTERVALS: Final = 2
"""A keeper gives up this many intervals before its lease would expire (``LeaseKeeper``)."""

LEADER_TTL_S: Final = LEASE_TTL_S - 2.0
"""A leader job's lease (alerts, outbox, backups, exports, retention): 2 s under a channel's,
so that the takeover after a kill -9 (expiry, then the next holder's acquire poll of 0.5 s
and its round trip) lands within the fleet's 10 s with room to spare on a loaded host."""
