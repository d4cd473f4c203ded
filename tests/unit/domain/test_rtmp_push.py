"""The stream key of a ``push_rtmp`` channel and the names a push goes by."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain import rtmp_push
from streamfleet.domain.audit import field_changes
from streamfleet.domain.channel import Channel, IngestMode
from streamfleet.domain.channel_rules import (
    apply_patch,
    config_of,
    new_stream_key_for_patch,
    parse_channel_patch,
    parse_channel_spec,
    with_new_stream_key,
)
from streamfleet.domain.errors import InvalidInput


def test_a_new_key_is_32_url_safe_characters_and_never_repeats() -> None:
    keys = {rtmp_push.new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(k) == 32 and k.replace("-", "").replace("_", "").isalnum() for k in keys)


@given(st.text(max_size=200))
def test_the_stored_hash_is_64_hex_digits_and_never_the_key(key: str) -> None:
    digest = rtmp_push.key_hash(key)
    assert rtmp_push.is_key_hash(digest)
    assert digest != key
    assert rtmp_push.key_hash(key) == digest


@pytest.mark.parametrize(
    ("given_secret", "matches"),
    [("s" * 20, True), ("s" * 19, False), ("t" * 20, False), (None, False), ("", False)],
)
def test_the_hook_secret_must_match_exactly(given_secret: str | None, matches: bool) -> None:
    assert rtmp_push.secret_matches(given_secret, "s" * 20) is matches


def test_the_publish_url_holds_the_key_only_when_given_one() -> None:
    assert rtmp_push.publish_url("tv.example.com", 1935, "live", "abc") == (
        "rtmp://tv.example.com:1935/live/abc"
    )
    assert rtmp_push.publish_url("tv.example.com", 1935, "live", None).endswith("/live/***")


def test_the_pull_url_names_the_channel_never_the_key() -> None:
    assert rtmp_push.pull_url("rtmp://127.0.0.1:1935/live/", 7) == (
        "rtmp://127.0.0.1:1935/live/channel-7"
    )


def test_a_new_push_channel_gets_a_key_whose_hash_is_stored() -> None:
    spec, key = with_new_stream_key(parse_channel_spec({"name": "Cam", "ingest_mode": "push_rtmp"}))
    assert key is not None
    assert spec.stream_key_sha256 == rtmp_push.key_hash(key)
    assert spec.input_url is None


def test_a_pull_channel_or_an_imported_hash_gets_no_new_key() -> None:
    pull = parse_channel_spec({"name": "A", "input_url": "udp://239.0.0.1:1234"})
    assert with_new_stream_key(pull) == (pull, None)
    digest = rtmp_push.key_hash("k")
    imported = parse_channel_spec(
        {"name": "B", "ingest_mode": "push_rtmp", "stream_key_sha256": digest}
    )
    assert with_new_stream_key(imported) == (imported, None)


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (
            {"name": "x", "ingest_mode": "push_rtmp", "stream_key_sha256": "ABC"},
            "stream_key_sha256",
            "64 lower-case hexadecimal digits",
        ),
        (
            {"name": "x", "input_url": "udp://239.0.0.1:1", "stream_key_sha256": "a" * 64},
            "stream_key_sha256",
            "only used with ingest_mode 'push_rtmp'",
        ),
        (
            {"name": "x", "ingest_mode": "push_rtmp", "passphrase": "p" * 12},
            "passphrase",
            "only used with ingest_mode 'listen_srt'",
        ),
        (
            {"name": "x", "ingest_mode": "push_rtmp", "listen_port": 10001},
            "listen_port",
            "only used with ingest_mode 'listen_srt'",
        ),
    ],
)
def test_a_bad_push_field_is_refused_naming_it(
    raw: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_channel_spec(raw)
    errors = {e.field: e.message for e in caught.value.errors}
    assert message in errors[field]


def stored(**overrides: object) -> Channel:
    fields: dict[str, object] = {"input_url": "udp://239.0.0.1:1234", **overrides}
    return Channel(id=1, slug="cam", name="Cam", **fields)  # type: ignore[arg-type]


def test_switching_to_push_makes_a_key_and_switching_away_drops_its_hash() -> None:
    changes = parse_channel_patch({"ingest_mode": "push_rtmp"})
    key = new_stream_key_for_patch(stored(), changes)
    assert key is not None
    spec = apply_patch(stored(), changes)
    assert spec.stream_key_sha256 == rtmp_push.key_hash(key)
    push = stored(
        ingest_mode=IngestMode.PUSH_RTMP, input_url="", stream_key_sha256=spec.stream_key_sha256
    )
    assert new_stream_key_for_patch(push, parse_channel_patch({"name": "Cam 2"})) is None
    assert apply_patch(push, parse_channel_patch({"name": "Cam 2"})).stream_key_sha256 == (
        spec.stream_key_sha256
    )
    back = apply_patch(
        push, parse_channel_patch({"ingest_mode": "pull", "input_url": "udp://239.0.0.1:1"})
    )
    assert back.stream_key_sha256 is None


def test_an_export_carries_the_hash_as_it_carries_the_passphrase_and_reads_back() -> None:
    digest = rtmp_push.key_hash("k")
    push = stored(ingest_mode=IngestMode.PUSH_RTMP, input_url="", stream_key_sha256=digest)
    config = config_of(push)
    assert config["stream_key_sha256"] == digest
    assert parse_channel_spec(config).stream_key_sha256 == digest


def test_the_audit_log_shows_a_new_key_hash_only_as_changed() -> None:
    changes = field_changes({"stream_key_sha256": "a" * 64}, {"stream_key_sha256": "b" * 64})
    assert "a" * 64 not in str(changes)
    assert "b" * 64 not in str(changes)
    assert "stream_key_sha256" in changes
