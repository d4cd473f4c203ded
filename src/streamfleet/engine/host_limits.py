"""What the host's kernel allows the engine's children, read when an engine is built."""

from __future__ import annotations

from pathlib import Path
from typing import Final

RMEM_MAX: Final = Path("/proc/sys/net/core/rmem_max")
"""The largest receive buffer a process may ask a socket for (``SO_RCVBUF``), in bytes."""


def socket_receive_max(path: Path = RMEM_MAX) -> int:
    """``net.core.rmem_max`` (0 where it cannot be read: not Linux, no ``/proc``)."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return 0
