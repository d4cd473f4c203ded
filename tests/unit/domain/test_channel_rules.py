"""The channel rules: every bad value is refused with the field it came from."""

from __future__ import annotations

from typing import Any

import pytest

from streamfleet.domain.channel import Channel, HlsOverrides, IngestMode
from streamfleet.domain.channel_rules import (
    MAX_TAGS,
    ChannelSpec,
    apply_patch,
    config_of,
    parse_channel_patch,
    parse_channel_spec,
)
from streamfleet.domain.errors import InvalidInput

GOOD = {"name": "News HD", "input_url": "udp://239.0.0.1:1234"}


def errors_of(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_channel_spec(raw)
    return {e.field: e.message for e in caught.value.errors}


def test_a_minimal_channel_gets_the_defaults() -> None:
    spec = parse_channel_spec(GOOD)
    assert spec == ChannelSpec(name="News HD", input_url="udp://239.0.0.1:1234")
    assert spec.profile == "copy"
    assert spec.enabled is True


def test_names_and_tags_are_trimmed_and_duplicate_tags_dropped() -> None:
    spec = parse_channel_spec({**GOOD, "name": "  News  ", "tags": [" news", "hd ", "news"]})
    assert spec.name == "News"
    assert spec.tags == ("news", "hd")


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"input_url": "udp://239.0.0.1:1"}, "name", "is required"),
        ({"name": "x"}, "input_url", "is required"),
        ({**GOOD, "name": ""}, "name", "must not be empty"),
        ({**GOOD, "name": "   "}, "name", "must not be empty"),
        ({**GOOD, "name": "x" * 201}, "name", "must be at most 200 characters"),
        ({**GOOD, "name": "a\x00b"}, "name", "must not contain control characters"),
        ({**GOOD, "name": 12}, "name", "must be a string"),
        (
            {**GOOD, "slug": "Bad Slug"},
            "slug",
            "must be 1-64 lower-case letters, digits and inner hyphens",
        ),
        (
            {**GOOD, "slug": "-x"},
            "slug",
            "must be 1-64 lower-case letters, digits and inner hyphens",
        ),
        ({**GOOD, "input_url": "file:///etc/passwd"}, "input_url", "scheme 'file' is not allowed"),
        ({**GOOD, "backup_url": "concat:a|b"}, "backup_url", "scheme 'concat' is not allowed"),
        (
            {**GOOD, "backup_url": "udp://239.0.0.1:1234"},
            "backup_url",
            "must differ from input_url",
        ),
        ({**GOOD, "tags": "news"}, "tags", "must be a list of strings"),
        ({**GOOD, "tags": [f"t{i}" for i in range(MAX_TAGS + 1)]}, "tags", "must have at most 32"),
        ({**GOOD, "tags": ["ok", 3]}, "tags.1", "must be a string"),
        ({**GOOD, "tags": ["ok", ""]}, "tags.1", "must not be empty"),
        ({**GOOD, "tags": ["x" * 65]}, "tags.0", "must be at most 64 characters"),
        ({**GOOD, "enabled": "yes"}, "enabled", "must be true or false"),
        ({**GOOD, "ingest_mode": "push"}, "ingest_mode", "must be one of pull, listen_srt"),
        ({**GOOD, "profile": "4k"}, "profile", "unknown profile; use one of copy"),
        ({**GOOD, "hls": {"segment_seconds": 0.1}}, "hls.segment_seconds", "between 0.5 and 30"),
        ({**GOOD, "hls": {"segment_seconds": "2"}}, "hls.segment_seconds", "must be a number"),
        ({**GOOD, "hls": {"list_size": 1}}, "hls.list_size", "must be between 2 and 100"),
        ({**GOOD, "hls": {"bogus": 1}}, "hls.bogus", "is not an HLS setting"),
        ({**GOOD, "hls": 3}, "hls", "must be an object"),
        ({**GOOD, "retention_days": -1}, "retention_days", "must be between 1 and 3650"),
        ({**GOOD, "retention_days": 1.5}, "retention_days", "must be a whole number"),
        ({**GOOD, "retention_days": True}, "retention_days", "must be a whole number"),
        (
            {**GOOD, "retention_bytes": 99_999_999},
            "retention_bytes",
            "must be between 100000000 and 1000000000000000",
        ),
        ({**GOOD, "retention_bytes": "1 GB"}, "retention_bytes", "must be a whole number"),
        ({**GOOD, "thumbnail_interval_s": 0}, "thumbnail_interval_s", "between 1 and 3600"),
        ({**GOOD, "offline_grace_s": -5}, "offline_grace_s", "must be between 0 and 3600"),
        ({**GOOD, "content_checks": ["black", "loud"]}, "content_checks.1", "must be one of"),
        ({**GOOD, "listen_port": 10000}, "listen_port", "only used with ingest_mode"),
        ({**GOOD, "passphrase": "0123456789"}, "passphrase", "only used with ingest_mode"),
        (
            {"name": "x", "ingest_mode": "listen_srt", "passphrase": "short"},
            "passphrase",
            "must be 10 to 79 characters",
        ),
        (
            {"name": "x", "ingest_mode": "listen_srt", "passphrase": "with space 123"},
            "passphrase",
            "printable ASCII without spaces",
        ),
        ({"name": "x", "ingest_mode": "listen_srt", "listen_port": 80}, "listen_port", "between"),
        ({**GOOD, "colour": "red"}, "colour", "is not a channel field"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(
    raw: dict[str, Any], field: str, message: str
) -> None:
    errors = errors_of(raw)
    assert field in errors, errors
    assert message in errors[field]


def test_every_broken_rule_is_reported_at_once() -> None:
    errors = errors_of({"name": "", "input_url": "ftp://x/y", "profile": "?", "retention_days": 0})
    assert set(errors) == {"name", "input_url", "profile", "retention_days"}


def test_errors_carry_the_line_they_are_given() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_channel_spec({"name": "x", "input_url": "pipe:0"}, line=7)
    assert [e.line for e in caught.value.errors] == [7]


def test_a_listen_srt_channel_needs_no_input_url() -> None:
    spec = parse_channel_spec({"name": "Push", "ingest_mode": "listen_srt"})
    assert spec.ingest_mode is IngestMode.LISTEN_SRT
    assert spec.input_url is None


def stored(**overrides: Any) -> Channel:
    return Channel(id=1, slug="news", name="News", input_url="udp://239.0.0.1:1234", **overrides)


def test_a_patch_changes_only_the_fields_it_names() -> None:
    changes = parse_channel_patch({"name": "News 2", "tags": ["a"]})
    spec = apply_patch(stored(recording=True), changes)
    assert spec.name == "News 2"
    assert spec.tags == ("a",)
    assert spec.recording is True
    assert spec.slug == "news"


def test_a_patch_of_one_hls_setting_keeps_the_other() -> None:
    changes = parse_channel_patch({"hls": {"list_size": 10}})
    spec = apply_patch(stored(hls=HlsOverrides(segment_seconds=4.0)), changes)
    assert spec.hls == HlsOverrides(segment_seconds=4.0, list_size=10)


@pytest.mark.parametrize("field", ["name", "slug", "enabled", "profile", "ingest_mode"])
def test_a_patch_may_not_null_a_required_field(field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_channel_patch({field: None})
    assert caught.value.errors[0].field == field


def test_switching_a_listen_channel_to_pull_needs_a_new_input_url() -> None:
    listen = stored(ingest_mode=IngestMode.LISTEN_SRT, listen_port=10000, passphrase="p" * 16)
    with pytest.raises(InvalidInput) as caught:
        apply_patch(listen, parse_channel_patch({"ingest_mode": "pull"}))
    assert caught.value.errors[0].field == "input_url"
    spec = apply_patch(
        listen, parse_channel_patch({"ingest_mode": "pull", "input_url": "rtmp://h/live/k"})
    )
    assert (spec.listen_port, spec.passphrase) == (None, None)


def test_config_of_a_channel_parses_back_to_the_same_spec() -> None:
    channel = stored(
        tags=("a", "b"),
        backup_url="udp://239.0.0.2:1234",
        hls=HlsOverrides(2.0, 8),
        content_checks=("black",),
    )
    assert parse_channel_spec(config_of(channel)) == ChannelSpec(
        name="News",
        input_url="udp://239.0.0.1:1234",
        slug="news",
        backup_url="udp://239.0.0.2:1234",
        tags=("a", "b"),
        hls=HlsOverrides(2.0, 8),
        content_checks=("black",),
    )
