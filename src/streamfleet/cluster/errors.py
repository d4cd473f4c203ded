"""The errors of fleet coordination.

StreamfleetError
 ├── StaleEpoch               a write carried a lease epoch that is no longer current
 └── FleetNeedsServerDatabase the fleet was pointed at SQLite
"""

from __future__ import annotations

from streamfleet.domain.errors import StreamfleetError


class StaleEpoch(StreamfleetError):
    """The lease this write was made under was taken over, released or has expired."""


class FleetNeedsServerDatabase(StreamfleetError):
    """Leases need row locks that SQLite does not have."""
