"""The runner's status bookkeeping: every row of the transition table, walked through a runner.

No process is started: the runner is only fed events, as its watchdog would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from structlog.testing import capture_logs

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.domain.status import TRANSITIONS, Status, StatusChanged, StatusEvent
from streamfleet.engine.context import RunnerContext, engine_options
from streamfleet.engine.process import Spawner
from streamfleet.engine.runner import ChannelRunner
from streamfleet.events.bus import InProcessBus
from streamfleet.events.envelope import EventType


def make_runner(tmp_path: Path) -> tuple[ChannelRunner, list[StatusChanged], InProcessBus]:
    settings = Settings(data_dir=tmp_path, worker_name="worker-a", ffmpeg_path="ffmpeg")
    bus = InProcessBus()
    recorded: list[StatusChanged] = []
    ctx = RunnerContext(settings, engine_options(settings), Spawner(), bus, recorded.append)
    channel = Channel(id=7, slug="news", name="News", input_url="udp://239.0.0.1:1234")
    return ChannelRunner(channel, ctx), recorded, bus


@pytest.mark.parametrize(
    ("start", "event"), sorted(TRANSITIONS, key=lambda k: (k[0].value, k[1].value))
)
async def test_every_allowed_transition_is_recorded_and_published(
    tmp_path: Path, start: Status, event: StatusEvent
) -> None:
    runner, recorded, bus = make_runner(tmp_path)
    sub = bus.subscribe()
    runner.status = start
    assert runner.transition(event, "because")
    assert runner.status is TRANSITIONS[(start, event)]
    (change,) = recorded
    assert (change.channel_id, change.from_status, change.to_status) == (7, start, runner.status)
    assert (change.event, change.reason, change.worker) == (event, "because", "worker-a")
    envelope = await sub.get()
    assert envelope is not None
    assert envelope.type is EventType.STATUS
    assert envelope.channel == "news"
    assert envelope.data["status"] == runner.status.value
    assert envelope.data["from"] == start.value
    assert set(envelope.data) == {"status", "from", "since", "reason", "source", "restarts"}


@pytest.mark.parametrize(
    ("start", "event"),
    [(s, e) for s in Status for e in StatusEvent if (s, e) not in TRANSITIONS],
)
def test_an_event_without_a_row_changes_nothing_records_nothing_and_is_logged(
    tmp_path: Path, start: Status, event: StatusEvent
) -> None:
    runner, recorded, _ = make_runner(tmp_path)
    runner.status = start
    with capture_logs() as logs:
        assert not runner.transition(event, "ignored")
    assert runner.status is start
    assert recorded == []
    assert logs == [
        {
            "event": "channel.transition_refused",
            "log_level": "info",
            "channel": "news",
            "status": start.value,
            "status_event": event.value,
        }
    ]
