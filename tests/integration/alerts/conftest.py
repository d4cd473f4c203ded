"""Real receivers for notifications (an HTTP server, an SMTP server) and an alerting database."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from streamfleet.config import Settings
from streamfleet.db import migrate
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.session import Database
from streamfleet.domain.channel_rules import ChannelSpec
from streamfleet.events.envelope import Envelope, EventType


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# HTTP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int


class WebhookReceiver:
    """A real HTTP server in a thread that records every POST and answers from a script."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.script: list[int] = []
        """Statuses for the next requests, in order; after that 204."""
        self.gate = threading.Event()
        """Answers wait until this is set (it is, unless a test clears it to hold them)."""
        self.gate.set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    status = receiver.script.pop(0) if receiver.script else 204
                    receiver.requests.append(
                        ReceivedRequest(self.path, dict(self.headers), body, time.time(), status)
                    )
                receiver.gate.wait(30)
                self.send_response(status)
                payload = b"" if status == 204 else f"status {status} from receiver".encode()
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def delivered(self) -> list[ReceivedRequest]:
        with self._lock:
            return [r for r in self.requests if 200 <= r.answered < 300]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def second_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


# SMTP -------------------------------------------------------------------------------------


class SmtpReceiver:
    """aiosmtpd on a free port; ``messages`` are the parsed mails it accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self._running = False
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def mailto_url(self, to: str = "ops@example.com") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=streamfleet@example.com&to={to}"

    def start(self) -> None:
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


# Database and settings --------------------------------------------------------------------


@pytest.fixture
async def alert_database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await migrate.upgrade(database)
    yield database
    await database.dispose()


def fast_settings(**overrides: Any) -> Settings:
    """Settings with short windows and backoff so tests take seconds."""
    values: dict[str, Any] = {
        "alert_group_window_s": 0.5,
        "notify_retry_base_s": 0.2,
        "notify_timeout_s": 5.0,
        "flap_quiet_period_s": 60.0,
        "demo": False,
    }
    values.update(overrides)
    return Settings(**values)


async def make_channels(
    database: Database, count: int, *, grace_s: int = 1, tags: tuple[str, ...] = ()
) -> list[str]:
    """Create ``count`` channels ``ch-0`` … and return their slugs."""
    repo = ChannelRepository(database.sessions, srt_port_range=(10000, 10999))
    slugs = []
    for i in range(count):
        record = await repo.create(
            ChannelSpec(
                name=f"Ch {i}",
                slug=f"ch-{i}",
                input_url=f"udp://239.0.0.1:{5000 + i}",
                offline_grace_s=grace_s,
                tags=tags,
            )
        )
        slugs.append(record.channel.slug)
    return slugs


def status_envelope(slug: str, status: str, previous: str, reason: str = "") -> Envelope:
    now = datetime.now(UTC)
    data = {
        "status": status,
        "from": previous,
        "since": now.isoformat(),
        "reason": reason,
        "source": "primary",
        "restarts": 0,
    }
    return Envelope(EventType.STATUS, slug, data, ts=now.timestamp())
