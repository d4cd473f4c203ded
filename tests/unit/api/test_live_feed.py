"""Live feed rules: client messages, channel filters, metrics coalescing and batching."""

from __future__ import annotations

import json

import pytest

from streamfleet.api.live_feed import (
    MetricsCoalescer,
    MetricsFlush,
    coalesced,
    parse_channels_query,
    parse_client_message,
    wants,
)
from streamfleet.domain.errors import InvalidInput
from streamfleet.events.envelope import Envelope, EventType


def test_a_subscribe_message_names_the_wanted_channels() -> None:
    """A list of slugs becomes the filter; null means every channel."""
    assert parse_client_message('{"type":"subscribe","channels":["news-hd","sport"]}') == (
        "subscribe",
        frozenset({"news-hd", "sport"}),
    )
    assert parse_client_message('{"type":"subscribe","channels":null}') == ("subscribe", None)
    assert parse_client_message('{"type":"subscribe"}') == ("subscribe", None)


def test_other_message_types_are_passed_through_for_the_caller_to_ignore() -> None:
    """Unknown types are not errors (newer clients may send more)."""
    assert parse_client_message('{"type":"hello","x":1}') == ("hello", {"type": "hello", "x": 1})


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("not json", "message: must be a JSON object"),
        ("[1,2]", "message: must be a JSON object"),
        ('{"channels":[]}', "type: must be a string"),
        (
            '{"type":"subscribe","channels":"news"}',
            "channels: must be a list of channel slugs or null",
        ),
        ('{"type":"subscribe","channels":["ok","Bad Slug"]}', "channels.1: must be a channel slug"),
        ('{"type":"subscribe","channels":[7]}', "channels.0: must be a channel slug"),
    ],
)
def test_a_malformed_client_message_names_the_broken_field(text: str, detail: str) -> None:
    """Each rule names its field."""
    with pytest.raises(InvalidInput) as caught:
        parse_client_message(text)
    assert caught.value.detail == detail


def test_the_channels_query_is_a_comma_separated_list() -> None:
    """Blanks are ignored; absent or empty means everything."""
    assert parse_channels_query("a, b,,c") == frozenset({"a", "b", "c"})
    assert parse_channels_query(None) is None
    assert parse_channels_query("  ") is None
    with pytest.raises(InvalidInput, match=r"channels\.0: must be a channel slug"):
        parse_channels_query("../etc")


def test_a_filter_passes_its_channels_and_fleet_wide_envelopes() -> None:
    """Envelopes about no channel reach every client."""
    only_news = frozenset({"news"})
    assert wants(only_news, "news")
    assert not wants(only_news, "sport")
    assert wants(only_news, None)
    assert wants(None, "sport")


def test_the_coalescer_keeps_the_newest_metrics_per_channel_until_drained() -> None:
    """Three updates of one channel and one of another drain as two envelopes."""
    coalescer = MetricsCoalescer()
    for fps in (24.0, 25.0, 26.0):
        coalescer.offer(Envelope(EventType.METRICS, "news", {"fps": fps}))
    coalescer.offer(Envelope(EventType.METRICS, "sport", {"fps": 50.0}))
    drained = coalescer.drain()
    assert [(e.channel, e.data["fps"]) for e in drained] == [("news", 26.0), ("sport", 50.0)]
    assert coalescer.drain() == []


def test_forgetting_a_channel_drops_its_held_metrics() -> None:
    """After a status change the held sample is stale."""
    coalescer = MetricsCoalescer()
    coalescer.offer(Envelope(EventType.METRICS, "news", {"fps": 25.0}))
    coalescer.forget("news")
    assert len(coalescer) == 0


def test_only_metrics_are_held_for_the_tick() -> None:
    """Status changes go out at once."""
    assert coalesced(Envelope(EventType.METRICS, "news", {}))
    assert not coalesced(Envelope(EventType.STATUS, "news", {"status": "offline"}))


def metrics(channel: str, fps: float) -> Envelope:
    return Envelope(EventType.METRICS, channel, {"fps": fps}, ts=1764013500.0)


def test_a_flush_joins_the_wanted_envelopes_into_one_json_array() -> None:
    """No filter: every envelope in drain order; a filter: only its channels, same order."""
    held = [metrics("news", 25.0), metrics("sport", 50.0), metrics("weather", 30.0)]
    flush = MetricsFlush(held)
    assert len(flush) == 3
    assert json.loads(flush.array_for(None) or "") == [e.to_dict() for e in held]
    subset = flush.array_for(frozenset({"weather", "news"}))
    assert json.loads(subset or "") == [held[0].to_dict(), held[2].to_dict()]


def test_a_flush_joins_each_distinct_filter_once_and_shares_the_string() -> None:
    """Clients with equal filters get the very same string object, built once."""
    flush = MetricsFlush([metrics("news", 25.0), metrics("sport", 50.0)])
    assert flush.array_for(None) is flush.array_for(None)
    assert flush.array_for(frozenset({"news"})) is flush.array_for(frozenset({"news"}))


def test_a_filter_that_wants_none_of_the_flush_gets_no_array() -> None:
    """No empty ``[]`` frame is ever sent."""
    flush = MetricsFlush([metrics("news", 25.0)])
    assert flush.array_for(frozenset({"sport"})) is None
    assert MetricsFlush([]).array_for(None) is None


def test_a_flush_keeps_each_envelope_serialised_once_for_one_by_one_clients() -> None:
    """``items`` hold the same JSON the array is made of, with the channel for filtering."""
    held = [metrics("news", 25.0), metrics("sport", 50.0)]
    flush = MetricsFlush(held)
    assert flush.items == [("news", held[0].to_json()), ("sport", held[1].to_json())]
    assert flush.array_for(None) == "[" + ",".join(text for _, text in flush.items) + "]"
