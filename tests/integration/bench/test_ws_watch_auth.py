"""The benchmark's WebSocket audience against a real ``streamfleet serve`` that wants a token:
with ``BENCH_API_TOKEN`` every client gets its snapshot; without, it says at once that the
handshake was refused instead of reconnecting until its deadline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.ws_watch import TOKEN_ENV

from tests.support.server import ServerProcess

REPO_ROOT = Path(__file__).resolve().parents[3]
READY_TIMEOUT_S = 20.0
RUN_TIMEOUT_S = 60.0


def first_line(server: ServerProcess, env: dict[str, str]) -> dict[str, Any]:
    """Start the watcher with 3 clients, read its first JSON line, then end it."""
    watcher = subprocess.Popen(
        [
            sys.executable, "-m", "bench.ws_watch", "--url", server.ws_url, "--clients", "3",
            "--ready-timeout", f"{READY_TIMEOUT_S:g}",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:
        assert watcher.stdout is not None
        line: dict[str, Any] = json.loads(watcher.stdout.readline())
        return line
    finally:
        watcher.terminate()
        watcher.wait(RUN_TIMEOUT_S)


def test_the_audience_sends_the_token_and_names_a_refused_handshake(
    streamfleet_server: ServerProcess,
) -> None:
    without = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    refused = first_line(streamfleet_server, without)
    assert refused == {"kind": "error", "message": "the handshake was refused with HTTP 403"}
    admitted = first_line(streamfleet_server, {**without, TOKEN_ENV: streamfleet_server.token})
    assert admitted == {"kind": "ready", "clients": 3}
