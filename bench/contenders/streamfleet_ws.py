"""Runs the WebSocket audience (``bench.ws_watch``) and turns its lines into a timeline."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from bench.contenders.base import ContenderFailed
from bench.machine import REPO_ROOT
from bench.process_group import Child, spawn
from bench.status_timeline import StatusSeen, StatusTimeline
from bench.ws_watch import TOKEN_ENV

SUMMARY_TIMEOUT_S = 20.0


class WsAudience:
    """``clients`` WebSocket clients in a child process; status reports land in ``timeline``.

    ``token`` (a bearer token) reaches the child in its environment, not its command line."""

    def __init__(self, url: str, clients: int, log_path: Path, *, token: str | None) -> None:
        self.url = url
        self.clients = clients
        self._token = token
        self.timeline = StatusTimeline()
        self._log_path = log_path
        self._child: Child | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._failure: str | None = None
        self._summary: dict[str, Any] | None = None
        self._summary_seen = asyncio.Event()

    async def start(self, ready_timeout_s: float) -> None:
        self._child = spawn(
            [
                sys.executable,
                "-m",
                "bench.ws_watch",
                "--url",
                self.url,
                "--clients",
                str(self.clients),
                "--ready-timeout",
                f"{ready_timeout_s:g}",
            ],
            name="ws-watch",
            log_path=self._log_path,
            env={**os.environ, **({TOKEN_ENV: self._token} if self._token else {})},
            cwd=REPO_ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._child.popen.stdout is not None
        reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), self._child.popen.stdout
        )
        self._reader = asyncio.create_task(self._read(reader))
        try:
            await asyncio.wait_for(self._ready.wait(), ready_timeout_s + 5.0)
        except TimeoutError:
            self._failure = self._failure or "no answer from the WebSocket watcher"
        if self._failure is not None:
            raise ContenderFailed(f"WebSocket clients: {self._failure}")

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            try:
                message: dict[str, Any] = json.loads(line)
            except ValueError:
                continue
            kind = message.get("kind")
            if kind == "status":
                self.timeline.add(
                    StatusSeen(
                        channel=str(message["channel"]),
                        status=str(message["status"]),
                        reason=str(message.get("reason") or ""),
                        received_at=float(message["received_at"]),
                        sent_at=float(message["sent_at"]),
                    )
                )
            elif kind == "ready":
                self._ready.set()
            elif kind == "error":
                self._failure = str(message.get("message"))
                self._ready.set()
            elif kind == "summary":
                self._summary = message
                self._summary_seen.set()
        self._failure = self._failure or "the WebSocket watcher exited"
        self._ready.set()
        self._summary_seen.set()

    async def stop(self) -> dict[str, Any]:
        """Ask for the summary, wait for it, and end the watcher process."""
        if self._child is None:
            return self._summary or {}
        if self._child.alive():
            self._child.popen.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._summary_seen.wait(), SUMMARY_TIMEOUT_S)
        self._child.stop(timeout_s=2.0)
        self._child = None
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 2.0)
            except TimeoutError:
                self._reader.cancel()
            self._reader = None
        return self._summary or {}
