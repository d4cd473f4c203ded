"""The benchmark's WebSocket audience reads single envelopes and metrics arrays alike."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from bench.ws_watch import Audience


def envelope(kind: str, channel: str | None, ts: float, **data: Any) -> dict[str, Any]:
    return {"type": kind, "channel": channel, "ts": ts, "data": data}


def test_every_envelope_of_an_array_frame_counts_as_a_message_with_its_own_delay() -> None:
    """Three metrics in one frame: three messages, three delays, one frame."""
    audience = Audience(clients=1)
    now = time.time()
    frame = [envelope("metrics", slug, now - 0.5, fps=25.0) for slug in ("a", "b", "c")]
    audience.receive(0, json.dumps(frame))
    summary = audience.summary()
    assert summary["by_type"] == {"metrics": 3}
    assert summary["messages"] == 3
    assert (summary["frames"], summary["batched_frames"]) == (1, 1)
    assert summary["delay_by_type_ms"]["metrics"]["count"] == 3
    assert summary["delay_ms"]["p50"] >= 500.0
    assert summary["immediate_delay_ms"]["count"] == 0
    assert summary["bad_messages"] == 0


def test_single_envelope_frames_are_read_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    """Snapshot makes the client ready; client 0's status change is reported as a line."""
    audience = Audience(clients=1)
    now = time.time()
    audience.receive(0, json.dumps(envelope("snapshot", None, now, channels=[])))
    assert audience.ready_event.is_set()
    audience.receive(0, json.dumps(envelope("status", "a", now, status="offline")))
    line = json.loads(capsys.readouterr().out)
    assert (line["kind"], line["channel"], line["status"]) == ("status", "a", "offline")
    summary = audience.summary()
    assert summary["by_type"] == {"snapshot": 1, "status": 1}
    assert (summary["frames"], summary["batched_frames"]) == (2, 0)
    assert summary["status_delay_ms"]["count"] == 1


@pytest.mark.parametrize(
    ("raw", "bad"),
    [
        ("not json", 1),
        ('{"type": "metrics"}', 1),
        ('[{"type": "metrics", "channel": "a", "ts": 1.0, "data": {}}, 7, "x"]', 2),
        ("[]", 0),
    ],
)
def test_what_is_not_an_envelope_counts_as_bad_and_the_rest_is_kept(raw: str, bad: int) -> None:
    """A broken element of an array spoils only itself."""
    audience = Audience(clients=1)
    audience.receive(0, raw)
    assert audience.bad_messages == bad
    assert audience.frames == 1
