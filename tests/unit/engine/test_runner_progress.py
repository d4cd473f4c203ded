"""Progress bytes reach the runner through a callback: only the current child's count."""

from __future__ import annotations

from pathlib import Path

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.domain.status import Status, StatusChanged
from streamfleet.engine.context import RunnerContext, engine_options
from streamfleet.engine.process import Spawner
from streamfleet.engine.runner import ChannelRunner
from streamfleet.events.bus import InProcessBus
from streamfleet.media.progress import ProgressParser

BLOCK = b"frame=25\nout_time_us=1000000\ndrop_frames=0\nspeed=1.0x\nprogress=continue\n"


def offline_runner(tmp_path: Path) -> tuple[ChannelRunner, list[StatusChanged]]:
    settings = Settings(data_dir=tmp_path, worker_name="worker-a", ffmpeg_path="ffmpeg")
    recorded: list[StatusChanged] = []
    ctx = RunnerContext(
        settings, engine_options(settings), Spawner(), InProcessBus(), recorded.append
    )
    channel = Channel(id=7, slug="news", name="News", input_url="udp://239.0.0.1:1234")
    runner = ChannelRunner(channel, ctx)
    runner.status = Status.OFFLINE
    runner._parser = ProgressParser()  # what an attempt does before it spawns its child
    return runner, recorded


def test_bytes_from_the_current_child_make_the_channel_online(tmp_path: Path) -> None:
    """The first block whose media time moves is the heartbeat."""
    runner, recorded = offline_runner(tmp_path)
    runner._on_progress_bytes(runner._parser, BLOCK[:20])  # a block may arrive in pieces
    assert runner.status is Status.OFFLINE
    runner._on_progress_bytes(runner._parser, BLOCK[20:])
    assert runner.status is Status.ONLINE
    assert [c.to_status for c in recorded] == [Status.ONLINE]


def test_late_bytes_of_a_child_whose_attempt_ended_change_nothing(tmp_path: Path) -> None:
    """A stopped child's last block, delivered after its attempt, never brings a channel back."""
    runner, recorded = offline_runner(tmp_path)
    ended_attempt = runner._parser
    runner._parser = None  # what the end of an attempt does
    runner._on_progress_bytes(ended_attempt, BLOCK)
    runner._parser = ProgressParser()  # and the next attempt's child has its own parser
    runner._on_progress_bytes(ended_attempt, BLOCK)
    assert runner.status is Status.OFFLINE
    assert recorded == []
