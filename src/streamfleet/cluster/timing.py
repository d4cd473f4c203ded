"""The fleet's timings, each named with its unit (issue 15: heartbeat 2 s, lease TTL 10 s)."""

from __future__ import annotations

from typing import Final

HEARTBEAT_INTERVAL_S: Final = 2.0
"""How often a worker heartbeats and renews all its leases (and a leader its lease)."""

LEASE_TTL_S: Final = 10.0
"""How long a claim or renewal holds a lease, by the database's clock."""

SAFETY_INTERVALS: Final = 2
"""A keeper gives up this many intervals before its lease would expire (``LeaseKeeper``)."""
