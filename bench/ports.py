"""Free loopback ports for the sources, the RTMP server and the streamfleet API.

UDP ports for listeners are picked *below* the kernel's ephemeral range: every
FFmpeg that sends UDP binds a source port from that range (``0.0.0.0:<random>``),
and a listen port picked there could be taken by another channel's sender in
between, so that channel's FFmpeg could never bind it (about one run in eight
with 60 channels). Tests use the same picker.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOOPBACK = "127.0.0.1"
UDP_LISTEN_LOW = 24000
"""Above the demo (23000+) and SRT listen (10000-10999) defaults."""
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL_LOW = 32768


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def ephemeral_low() -> int:
    """The first port the kernel hands out for a socket bound to port 0."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return DEFAULT_EPHEMERAL_LOW


def free_udp_ports(count: int) -> list[int]:
    """``count`` distinct UDP ports below the ephemeral range that were free a moment ago.

    Held together while chosen, in random order so that concurrent callers rarely meet.
    """
    high = max(ephemeral_low(), UDP_LISTEN_LOW + count + 1)
    candidates = random.sample(range(UDP_LISTEN_LOW, high), high - UDP_LISTEN_LOW)
    socks: list[socket.socket] = []
    try:
        for port in candidates:
            if len(socks) == count:
                break
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                sock.close()
                continue
            socks.append(sock)
        if len(socks) < count:
            raise OSError(f"fewer than {count} free UDP ports in {UDP_LISTEN_LOW}-{high - 1}")
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()
