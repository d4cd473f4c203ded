"""The rules of the live feed: which channels a client wants, and metrics at most once a second.

Pure: no sockets, no clock (the hub calls ``drain()`` on its own tick and hands the drained
envelopes to a ``MetricsFlush``, which serialises them for the WebSocket's one-frame batch).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Final

from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.slug import is_valid_slug
from streamfleet.events.envelope import Envelope, EventType

MAX_SUBSCRIBED_CHANNELS: Final = 10_000

ChannelFilter = frozenset[str] | None
"""The slugs a client wants; ``None`` means every channel."""


def wants(channels: ChannelFilter, channel: str | None) -> bool:
    """Whether a client with this filter gets an envelope about ``channel``.

    Envelopes about no channel in particular (``snapshot``, fleet-wide alerts) go to everyone.
    """
    return channels is None or channel is None or channel in channels


def parse_channel_list(values: Iterable[object], field: str) -> frozenset[str]:
    slugs = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not is_valid_slug(value):
            raise InvalidInput.of(f"{field}.{i}", "must be a channel slug")
        slugs.append(value)
        if len(slugs) > MAX_SUBSCRIBED_CHANNELS:
            raise InvalidInput.of(field, f"must list at most {MAX_SUBSCRIBED_CHANNELS} channels")
    return frozenset(slugs)


def parse_channels_query(raw: str | None) -> ChannelFilter:
    """``?channels=a,b`` → ``{"a", "b"}``; absent or empty → every channel."""
    if raw is None or not raw.strip():
        return None
    return parse_channel_list([part.strip() for part in raw.split(",") if part.strip()], "channels")


def parse_client_message(text: str) -> tuple[str, Any]:
    """A client's message as ``(type, payload)``.

    ``{"type": "subscribe", "channels": [...]}`` → ``("subscribe", frozenset | None)``;
    ``{"type": "visible", "channels": [...]}`` (the tiles on screen) → ``("visible", frozenset)``;
    other types are returned with the decoded message so callers may ignore them.
    """
    try:
        message = json.loads(text)
    except ValueError:
        raise InvalidInput.of("message", "must be a JSON object") from None
    if not isinstance(message, dict):
        raise InvalidInput.of("message", "must be a JSON object")
    kind = message.get("type")
    if not isinstance(kind, str):
        raise InvalidInput.of("type", "must be a string")
    if kind not in ("subscribe", "visible"):
        return kind, message
    channels = message.get("channels")
    if channels is None and kind == "subscribe":
        return kind, None
    if not isinstance(channels, list):
        raise InvalidInput.of("channels", "must be a list of channel slugs or null")
    return kind, parse_channel_list(channels, "channels")


class MetricsCoalescer:
    """Keeps the newest ``metrics`` envelope per channel until the next ``drain()``."""

    def __init__(self) -> None:
        self._latest: dict[str | None, Envelope] = {}

    def offer(self, envelope: Envelope) -> None:
        self._latest[envelope.channel] = envelope

    def forget(self, channel: str | None) -> None:
        self._latest.pop(channel, None)

    def drain(self) -> list[Envelope]:
        """The held envelopes, oldest channel first, and an empty buffer."""
        out = list(self._latest.values())
        self._latest = {}
        return out

    def __len__(self) -> int:
        return len(self._latest)


class MetricsFlush:
    """One tick's ``metrics`` envelopes, each serialised once, and their JSON arrays per filter.

    A WebSocket client gets the whole flush as one frame: ``[envelope, envelope, …]`` holding
    the envelopes its filter wants. The array is joined once per distinct filter, so every
    client without a filter (the common case) shares one string.
    """

    def __init__(self, envelopes: Iterable[Envelope]) -> None:
        self.items: Final[list[tuple[str | None, str]]] = [
            (envelope.channel, envelope.to_json()) for envelope in envelopes
        ]
        """``(channel, envelope JSON)`` in drain order, for clients that take one at a time."""
        self._arrays: dict[ChannelFilter, str | None] = {}

    def array_for(self, channels: ChannelFilter) -> str | None:
        """The JSON array of the envelopes ``channels`` wants, or ``None`` when it wants none."""
        try:
            return self._arrays[channels]
        except KeyError:
            pass
        wanted = [text for channel, text in self.items if wants(channels, channel)]
        array = "[" + ",".join(wanted) + "]" if wanted else None
        self._arrays[channels] = array
        return array

    def __len__(self) -> int:
        return len(self.items)


def coalesced(envelope: Envelope) -> bool:
    """Whether the hub holds this envelope for the next tick instead of sending it at once."""
    return envelope.type is EventType.METRICS
