"""The dashboard audience: N WebSocket clients on ``/api/v1/ws``, in a process of their own.

Run by the benchmark as ``python -m bench.ws_watch --url ws://… --clients 50``, with the
bearer token (when the server wants one) in ``BENCH_API_TOKEN``: every client sends it in
its handshake's ``Authorization`` header.
It has its own process (and event loop) so that receive instants are not
delayed by the benchmark's own work, and its CPU is never the server's.

It writes JSON lines to stdout:

- ``{"kind": "ready", "clients": 50}`` once every client received its snapshot;
- ``{"kind": "status", "channel", "status", "reason", "received_at", "sent_at"}`` for every
  ``status`` envelope client 0 receives;
- on SIGTERM, ``{"kind": "summary", …}``: messages (envelopes) per type, frames,
  delivery delay (receive instant minus the envelope's ``ts``) over every
  non-snapshot message of every client (``delay_ms``), over those the server
  sends at once (``immediate_delay_ms``: all but the once-a-second ``metrics``),
  per type, over ``status`` messages alone, and from each status change's own
  instant (``data.since``) to its receipt, then it exits.

A frame is one envelope, or a JSON array of envelopes (the server's once-a-second
metrics flush); every envelope of an array counts as a message received at the
frame's instant.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bench.percentiles import summary

CONNECT_TIMEOUT_S = 10.0
RECONNECT_DELAY_S = 0.5
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
TOKEN_ENV = "BENCH_API_TOKEN"
HELD_TYPES = frozenset({"metrics"})
"""Envelope types the server holds on purpose (``metrics``: the newest per channel, once a
second), so their delay is the hold, not delivery; ``immediate_delay_ms`` leaves them out."""


@dataclass
class Audience:
    clients: int
    ready: set[int] = field(default_factory=set)
    by_type: Counter[str] = field(default_factory=Counter)
    delays_s: dict[str, list[float]] = field(default_factory=dict)
    """Per envelope type: receive instant minus the envelope's ``ts``."""
    status_delays_s: list[float] = field(default_factory=list)
    transition_delays_s: list[float] = field(default_factory=list)
    """Receive instant minus the status change's own instant (``data.since``)."""
    frames: int = 0
    batched_frames: int = 0
    """Frames that held a JSON array of envelopes."""
    disconnects: int = 0
    bad_messages: int = 0
    ready_event: asyncio.Event = field(default_factory=asyncio.Event)

    def receive(self, client: int, raw: str | bytes) -> None:
        """One frame: an envelope, or an array of envelopes received at the same instant."""
        received_at = time.time()
        self.frames += 1
        try:
            frame: Any = json.loads(raw)
        except ValueError:
            self.bad_messages += 1
            return
        if isinstance(frame, list):
            self.batched_frames += 1
            for envelope in frame:
                self._envelope(client, envelope, received_at)
        else:
            self._envelope(client, frame, received_at)

    def _envelope(self, client: int, envelope: Any, received_at: float) -> None:
        try:
            kind = str(envelope["type"])
            sent_at = float(envelope["ts"])
        except (KeyError, TypeError, ValueError):
            self.bad_messages += 1
            return
        self.by_type[kind] += 1
        if kind == "snapshot":
            self.ready.add(client)
            if len(self.ready) == self.clients:
                self.ready_event.set()
            return
        self.delays_s.setdefault(kind, []).append(received_at - sent_at)
        if kind == "status":
            self.status_delays_s.append(received_at - sent_at)
            data = envelope.get("data") or {}
            since = _epoch(data.get("since"))
            if since is not None:
                self.transition_delays_s.append(received_at - since)
            if client == 0:
                emit(
                    {
                        "kind": "status",
                        "channel": envelope.get("channel"),
                        "status": data.get("status"),
                        "reason": data.get("reason"),
                        "received_at": received_at,
                        "sent_at": sent_at,
                    }
                )

    def summary(self) -> dict[str, Any]:
        return {
            "kind": "summary",
            "clients": self.clients,
            "ready_clients": len(self.ready),
            "messages": sum(self.by_type.values()),
            "frames": self.frames,
            "batched_frames": self.batched_frames,
            "by_type": dict(self.by_type),
            "delay_ms": _ms(summary([d for ds in self.delays_s.values() for d in ds])),
            "immediate_delay_ms": _ms(
                summary([d for k, ds in self.delays_s.items() if k not in HELD_TYPES for d in ds])
            ),
            "delay_by_type_ms": {k: _ms(summary(ds)) for k, ds in sorted(self.delays_s.items())},
            "status_delay_ms": _ms(summary(self.status_delays_s)),
            "transition_delay_ms": _ms(summary(self.transition_delays_s)),
            "disconnects": self.disconnects,
            "bad_messages": self.bad_messages,
        }


def _epoch(iso: object) -> float | None:
    if not isinstance(iso, str):
        return None
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


def _ms(values: dict[str, float | None]) -> dict[str, float | None]:
    return {
        k: (v if k == "count" or v is None else round(v * 1000.0, 3)) for k, v in values.items()
    }


def emit(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def _client(
    url: str, headers: dict[str, str], index: int, audience: Audience, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            async with connect(
                url,
                additional_headers=headers,
                open_timeout=CONNECT_TIMEOUT_S,
                max_size=MAX_MESSAGE_BYTES,
                proxy=None,
            ) as ws:
                await _receive_until(ws, index, audience, stop)
        except InvalidStatus as exc:  # refused (no or a bad token): asking again will not help
            if index == 0:
                code = exc.response.status_code
                emit({"kind": "error", "message": f"the handshake was refused with HTTP {code}"})
            return
        except (OSError, ConnectionClosed, TimeoutError):
            pass
        if not stop.is_set():
            audience.disconnects += 1
            await asyncio.sleep(RECONNECT_DELAY_S)


async def _receive_until(
    ws: ClientConnection, index: int, audience: Audience, stop: asyncio.Event
) -> None:
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while True:
            receiving = asyncio.ensure_future(ws.recv())
            done, _ = await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if receiving not in done:
                receiving.cancel()
                return
            audience.receive(index, receiving.result())
    finally:
        stopping.cancel()


async def watch(url: str, clients: int, ready_timeout_s: float, token: str | None = None) -> int:
    audience = Audience(clients=clients)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    tasks = [asyncio.create_task(_client(url, headers, i, audience, stop)) for i in range(clients)]
    try:
        await asyncio.wait_for(audience.ready_event.wait(), ready_timeout_s)
        emit({"kind": "ready", "clients": clients})
    except TimeoutError:
        got = len(audience.ready)
        emit({"kind": "error", "message": f"{got}/{clients} clients got a snapshot"})
    await stop.wait()
    await asyncio.gather(*tasks, return_exceptions=True)
    emit(audience.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ws_watch")
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--ready-timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_ENV) or None
    return asyncio.run(watch(args.url, args.clients, args.ready_timeout, token))


if __name__ == "__main__":
    raise SystemExit(main())
