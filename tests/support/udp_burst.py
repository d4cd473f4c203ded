"""A bursting UDP source: a relay that holds a live feed's datagrams and sends them in bursts.

``BurstRelay(listen_port, target_port, period_s)`` receives a feeder's datagrams on
``127.0.0.1:listen_port`` and, every ``period_s``, sends everything it received since the
last burst to ``127.0.0.1:target_port`` back to back, as a multiplexer or a congested
link does. Runs in a thread of its own (its timing does not depend on the event loop);
``stop()`` joins it. ``sent`` counts the datagrams forwarded.

``kernel_drops(port)``: datagrams the kernel dropped on the UDP socket bound to ``port``
(its receive buffer was full), from ``/proc/net/udp``.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from pathlib import Path
from typing import Final

LOOPBACK: Final = "127.0.0.1"
MAX_DATAGRAM: Final = 65_536
PROC_NET_UDP: Final = Path("/proc/net/udp")


class BurstRelay:
    def __init__(self, listen_port: int, target_port: int, period_s: float) -> None:
        self.period_s = period_s
        self.sent = 0
        self.largest_burst = 0
        self._inbound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._inbound.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        self._inbound.bind((LOOPBACK, listen_port))
        self._outbound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._target = (LOOPBACK, target_port)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="burst-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._inbound.close()
        self._outbound.close()

    def _run(self) -> None:
        held: list[bytes] = []
        next_burst = time.monotonic() + self.period_s
        while not self._stop.is_set():
            wait_s = max(0.0, next_burst - time.monotonic())
            readable, _, _ = select.select([self._inbound], [], [], wait_s)
            if readable:
                held.append(self._inbound.recv(MAX_DATAGRAM))
            if time.monotonic() >= next_burst:
                for datagram in held:
                    self._outbound.sendto(datagram, self._target)
                self.sent += len(held)
                self.largest_burst = max(self.largest_burst, sum(len(d) for d in held))
                held.clear()
                next_burst += self.period_s


def kernel_drops(port: int) -> int:
    """Datagrams dropped on the UDP socket(s) bound to ``port`` (the last ``/proc/net/udp``
    column), summed; 0 when no socket is bound there."""
    drops = 0
    for line in PROC_NET_UDP.read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port:
            drops += int(fields[-1])
    return drops
