"""The live hub's metrics flush: one array per batching client, one message per envelope else.

Driven through the real in-process bus; the flush is triggered by hand (the hub's own tick
is an hour here) once the hub holds every published sample.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from streamfleet.api.live_hub import LiveClient, LiveHub
from streamfleet.domain.playback_signing import PlaybackSigner
from streamfleet.events.bus import InProcessBus
from streamfleet.events.envelope import Envelope, EventType
from tests.support.waiting import eventually

CHANNELS = ("news", "sport", "weather", "music", "kids")
HOLD_TIMEOUT_S = 5.0


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    bus = InProcessBus()
    yield bus
    await bus.close()


@pytest.fixture
async def hub(bus: InProcessBus) -> AsyncIterator[LiveHub]:
    hub = LiveHub(bus, flush_interval_s=3600.0)
    yield hub
    await hub.close()


async def hold_metrics(hub: LiveHub, bus: InProcessBus, channels: tuple[str, ...]) -> None:
    """Publish one sample per channel and wait until the hub holds them all."""
    for i, channel in enumerate(channels):
        bus.publish_nowait(Envelope(EventType.METRICS, channel, {"fps": 25.0 + i}))
    await eventually(lambda: hub.held_metrics == len(channels), HOLD_TIMEOUT_S, "metrics held")


async def queued(client: LiveClient) -> list[tuple[str, str]]:
    """Every message waiting for ``client`` (the queue is emptied)."""
    out = []
    while client.backlog:
        message = await client.next_message()
        assert message is not None
        out.append(message)
    return out


def channels_of(array: str) -> list[Any]:
    envelopes = json.loads(array)
    assert isinstance(envelopes, list)
    assert {e["type"] for e in envelopes} == {"metrics"}
    return [e["channel"] for e in envelopes]


async def test_a_batching_client_gets_the_whole_flush_as_one_array_message(
    hub: LiveHub, bus: InProcessBus
) -> None:
    """Five channels' samples become one ``metrics`` message holding five envelopes."""
    client = hub.connect(batches=True)
    await hold_metrics(hub, bus, CHANNELS)
    hub.flush_metrics()
    messages = await queued(client)
    assert len(messages) == 1
    kind, text = messages[0]
    assert kind == "metrics"
    assert channels_of(text) == list(CHANNELS)


async def test_a_batching_client_with_a_filter_gets_only_its_channels_in_the_array(
    hub: LiveHub, bus: InProcessBus
) -> None:
    """A client subscribed to two channels gets an array of those two; one wanting none, nothing."""
    subset = hub.connect(frozenset({"weather", "news"}), batches=True)
    elsewhere = hub.connect(frozenset({"unknown"}), batches=True)
    await hold_metrics(hub, bus, CHANNELS)
    hub.flush_metrics()
    messages = await queued(subset)
    assert [channels_of(text) for _, text in messages] == [["news", "weather"]]
    assert elsewhere.backlog == 0


async def test_clients_with_the_same_filter_share_one_serialised_array(
    hub: LiveHub, bus: InProcessBus
) -> None:
    """Every unfiltered client is handed the very same string: joined once per flush."""
    first, second = hub.connect(batches=True), hub.connect(batches=True)
    await hold_metrics(hub, bus, CHANNELS)
    hub.flush_metrics()
    (one,), (two,) = await queued(first), await queued(second)
    assert one[1] is two[1]


async def test_a_client_that_does_not_batch_gets_one_message_per_envelope(
    hub: LiveHub, bus: InProcessBus
) -> None:
    """SSE clients: five ``metrics`` messages, each a single envelope object."""
    client = hub.connect(frozenset(CHANNELS[:3]))
    await hold_metrics(hub, bus, CHANNELS)
    hub.flush_metrics()
    messages = await queued(client)
    assert [kind for kind, _ in messages] == ["metrics"] * 3
    assert [json.loads(text)["channel"] for _, text in messages] == list(CHANNELS[:3])


async def test_a_batch_counts_as_one_message_against_the_client_queue(
    hub: LiveHub, bus: InProcessBus
) -> None:
    """With room for one message, the batching client is served and the other is cut off."""
    batching = hub.connect(batches=True, maxsize=1)
    one_by_one = hub.connect(maxsize=1)
    await hold_metrics(hub, bus, CHANNELS)
    hub.flush_metrics()
    assert batching.dropped is None
    assert batching.backlog == 1
    assert one_by_one.dropped == "send buffer full"
    assert hub.clients == {batching}


async def test_other_envelopes_still_reach_a_batching_client_one_per_message(
    hub: LiveHub, bus: InProcessBus
) -> None:
    """A status change goes out at once as a single envelope object, never inside an array."""
    client = hub.connect(batches=True)
    change = Envelope(EventType.STATUS, "news", {"status": "offline"})
    bus.publish_nowait(change)
    await eventually(lambda: client.backlog == 1, HOLD_TIMEOUT_S, "status queued")
    assert await queued(client) == [("status", change.to_json())]


async def test_with_signed_playback_thumbnail_envelopes_carry_a_freshly_signed_url(
    bus: InProcessBus,
) -> None:
    """The engine's unsigned ``/thumbs/<slug>.jpg?v=…`` is replaced before serialisation."""
    signer = PlaybackSigner("Signing-secret-for-tests_0123456789", 600)
    hub = LiveHub(bus, flush_interval_s=3600.0, thumbnail_url=lambda s: signer.thumbnail_url(s, 0))
    try:
        client = hub.connect(batches=True)
        data = {"url": "/thumbs/news.jpg?v=1764013500", "taken_at": 1764013500}
        bus.publish_nowait(Envelope(EventType.THUMBNAIL, "news", data))
        await eventually(lambda: client.backlog == 1, HOLD_TIMEOUT_S, "the thumbnail envelope")
        [(kind, text)] = await queued(client)
    finally:
        await hub.close()
    assert kind == "thumbnail"
    sent = json.loads(text)["data"]
    assert sent == {
        "url": f"{signer.thumbnail_url('news', 0)}?v=1764013500",
        "taken_at": 1764013500,
    }
    assert sent["url"].startswith("/thumbs/s/")
