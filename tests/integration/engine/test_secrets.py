"""A source password never reaches the log, the channel log or a status reason."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable

import structlog

from streamfleet.domain.status import Status
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
SECRET = "Sup3r-Secret-pw"


async def test_the_password_in_a_source_url_is_never_logged(engine_factory: EngineFactory) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"rtmp://operator:{SECRET}@127.0.0.1:{port}/live/news?token={SECRET}"
    with structlog.testing.capture_logs() as logs:
        engine = await engine_factory([udp_channel(1, url)], backoff_initial_s=0.05)
        await engine.wait_status(1, Status.OFFLINE, 15)
        await wait_until(lambda: engine.supervisor.state(1).restarts >= 2, 15, "two restarts")  # type: ignore[union-attr]
        await engine.supervisor.stop_channel(1)
    assert logs
    assert SECRET not in repr(logs)
    assert SECRET not in "\n".join(engine.supervisor.log_tail(1))
    assert any("operator" not in line and "***@" in line for line in engine.supervisor.log_tail(1))
    assert all(SECRET not in c.reason for c in engine.sink.changes)
    assert all(SECRET not in repr(e.data) for _, e in engine.envelopes)
