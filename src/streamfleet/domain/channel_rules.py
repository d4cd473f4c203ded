"""The rules a channel's configuration must follow, as one pure validator.

The API, the CLI and the import parsers all hand raw values (JSON, YAML,
M3U fields) to ``parse_channel_spec`` (a whole new channel) or
``parse_channel_patch`` (a subset, for PATCH); both raise ``InvalidInput``
listing every broken rule with its dotted field path, so there is one copy of
the rules. Rules that need the database (slug taken, port taken) live in the
channel repository.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from streamfleet.domain import rtmp_push, srt
from streamfleet.domain.channel import (
    DEFAULT_OFFLINE_GRACE_S,
    DEFAULT_RETENTION_DAYS,
    DEFAULT_THUMBNAIL_INTERVAL_S,
    Channel,
    HlsOverrides,
    IngestMode,
)
from streamfleet.domain.content_check import CONTENT_CHECKS
from streamfleet.domain.errors import FieldError, InvalidInput
from streamfleet.domain.profiles import COPY, PROFILES
from streamfleet.domain.slug import MAX_SLUG_LENGTH, is_valid_slug
from streamfleet.domain.text import MESSAGE as TEXT_MESSAGE
from streamfleet.domain.text import surrogate_path
from streamfleet.domain.url_policy import url_problem

MAX_NAME_LENGTH: Final = 200
MAX_TAGS: Final = 32
MAX_TAG_LENGTH: Final = 64
MIN_LISTEN_PORT: Final = 1024
MAX_PORT: Final = 65535
RETENTION_DAYS_RANGE: Final = (1, 3650)
RETENTION_BYTES_RANGE: Final = (100_000_000, 10**15)
"""100 MB (under a minute of a 20 Mb/s channel) to 1 PB."""
THUMBNAIL_INTERVAL_S_RANGE: Final = (1, 3600)
OFFLINE_GRACE_S_RANGE: Final = (0, 3600)
HLS_SEGMENT_SECONDS_RANGE: Final = (0.5, 30.0)
HLS_LIST_SIZE_RANGE: Final = (2, 100)

CONFIG_FIELDS: Final[tuple[str, ...]] = (
    "name",
    "slug",
    "input_url",
    "backup_url",
    "tags",
    "enabled",
    "ingest_mode",
    "listen_port",
    "passphrase",
    "stream_key_sha256",
    "profile",
    "hls",
    "recording",
    "retention_days",
    "retention_bytes",
    "thumbnail_interval_s",
    "offline_grace_s",
    "content_checks",
)
"""Every field an operator may set, in the order exports write them."""

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_PASSPHRASE_RE = re.compile(r"^[\x21-\x7e]+$")


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """A validated channel configuration that is not stored yet (no id, no times).

    ``slug`` ``None`` means "derive it from the name"; ``input_url`` ``None`` is
    allowed only for ``listen_srt`` and ``push_rtmp`` channels, whose input the server
    derives. ``listen_port``/``passphrase`` ``None`` on a ``listen_srt`` channel means
    "assign one"; ``stream_key_sha256`` ``None`` on a ``push_rtmp`` channel means "no key
    yet" (the API generates one on create; an import carries the exported hash).
    """

    name: str
    input_url: str | None = None
    slug: str | None = None
    backup_url: str | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    ingest_mode: IngestMode = IngestMode.PULL
    listen_port: int | None = None
    passphrase: str | None = None
    stream_key_sha256: str | None = None
    profile: str = COPY
    hls: HlsOverrides = dataclasses.field(default_factory=HlsOverrides)
    recording: bool = False
    retention_days: int = DEFAULT_RETENTION_DAYS
    retention_bytes: int | None = None
    thumbnail_interval_s: int = DEFAULT_THUMBNAIL_INTERVAL_S
    offline_grace_s: int = DEFAULT_OFFLINE_GRACE_S
    content_checks: tuple[str, ...] = ()


def parse_channel_spec(raw: Mapping[str, Any], *, line: int | None = None) -> ChannelSpec:
    """A whole new channel from raw values, or ``InvalidInput`` listing every broken rule."""
    values, errors = check_fields(raw, line=line)
    if "name" not in raw:
        errors.append(FieldError("name", "is required", line))
    mode = values.get("ingest_mode", IngestMode.PULL)
    if raw.get("input_url") is None and mode is IngestMode.PULL:
        errors.append(FieldError("input_url", "is required", line))
    if errors:
        raise InvalidInput(_ordered(errors))
    spec = ChannelSpec(**values)
    errors = cross_field_problems(spec, line=line)
    if errors:
        raise InvalidInput(errors)
    return spec


def parse_channel_patch(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The validated subset of fields a PATCH changes, or ``InvalidInput``."""
    values, errors = check_fields(raw)
    for required in ("name", "slug", "ingest_mode", "enabled", "profile", "recording"):
        if required in raw and raw[required] is None:
            errors.append(FieldError(required, "must not be null"))
    if errors:
        raise InvalidInput(_ordered(errors))
    hls = raw.get("hls")
    if isinstance(hls, Mapping):
        # Only the HLS keys the patch names change; the others keep their value.
        values["hls"] = {key: getattr(values["hls"], key) for key in hls}
    return values


def apply_patch(channel: Channel, changes: Mapping[str, Any]) -> ChannelSpec:
    """The spec ``channel`` becomes with ``changes`` (from ``parse_channel_patch``) applied.

    Switching a channel to ``pull`` drops its listen port and passphrase, leaving
    ``push_rtmp`` drops its stream key; cross-field rules are checked on the result.
    """
    base = spec_of(channel)
    changes = dict(changes)
    if isinstance(changes.get("hls"), Mapping):
        changes["hls"] = dataclasses.replace(base.hls, **changes["hls"])
    merged = dataclasses.replace(base, **changes)
    if merged.ingest_mode is not IngestMode.PUSH_RTMP:
        merged = dataclasses.replace(merged, stream_key_sha256=None)
    if merged.ingest_mode is not IngestMode.LISTEN_SRT:
        merged = dataclasses.replace(merged, listen_port=None, passphrase=None)
    if merged.ingest_mode is IngestMode.PULL:
        switched = base.ingest_mode is not IngestMode.PULL
        if merged.input_url is None or (switched and "input_url" not in changes):
            raise InvalidInput.of("input_url", "is required for ingest_mode 'pull'")
    errors = cross_field_problems(merged)
    if errors:
        raise InvalidInput(errors)
    return merged


def with_new_stream_key(spec: ChannelSpec) -> tuple[ChannelSpec, str | None]:
    """A new ``push_rtmp`` channel gets a fresh stream key: the spec holding its hash, and the
    key to show once (``None`` for other modes, or a spec that already carries a hash)."""
    if spec.ingest_mode is not IngestMode.PUSH_RTMP or spec.stream_key_sha256 is not None:
        return spec, None
    key = rtmp_push.new_key()
    return dataclasses.replace(spec, stream_key_sha256=rtmp_push.key_hash(key)), key


def new_stream_key_for_patch(channel: Channel, changes: dict[str, Any]) -> str | None:
    """A channel a PATCH switches to ``push_rtmp`` gets a fresh stream key: its hash goes
    into ``changes``; the key is returned to be shown once."""
    if changes.get("ingest_mode") is not IngestMode.PUSH_RTMP:
        return None
    if channel.ingest_mode is IngestMode.PUSH_RTMP or "stream_key_sha256" in changes:
        return None
    key = rtmp_push.new_key()
    changes["stream_key_sha256"] = rtmp_push.key_hash(key)
    return key


def spec_of(channel: Channel) -> ChannelSpec:
    """The configuration of a stored channel, as a spec."""
    return ChannelSpec(
        name=channel.name,
        input_url=channel.input_url,
        slug=channel.slug,
        backup_url=channel.backup_url,
        tags=channel.tags,
        enabled=channel.enabled,
        ingest_mode=channel.ingest_mode,
        listen_port=channel.listen_port,
        passphrase=channel.passphrase,
        stream_key_sha256=channel.stream_key_sha256,
        profile=channel.profile,
        hls=channel.hls,
        recording=channel.recording,
        retention_days=channel.retention_days,
        retention_bytes=channel.retention_bytes,
        thumbnail_interval_s=channel.thumbnail_interval_s,
        offline_grace_s=channel.offline_grace_s,
        content_checks=channel.content_checks,
    )


def config_of(channel: Channel) -> dict[str, Any]:
    """The operator-set fields of ``channel`` as plain values (for exports)."""
    out: dict[str, Any] = {}
    for name in CONFIG_FIELDS:
        value = getattr(channel, name)
        if name == "hls":
            value = {"segment_seconds": value.segment_seconds, "list_size": value.list_size}
        elif name in ("tags", "content_checks"):
            value = list(value)
        elif name == "ingest_mode":
            value = value.value
        elif name == "input_url" and channel.ingest_mode is IngestMode.PUSH_RTMP:
            value = None  # the server derives it (``domain.rtmp_push``)
        out[name] = value
    return out


def cross_field_problems(spec: ChannelSpec, *, line: int | None = None) -> list[FieldError]:
    """Rules that tie fields together."""
    errors: list[FieldError] = []
    if spec.ingest_mode is not IngestMode.LISTEN_SRT:
        if spec.listen_port is not None:
            errors.append(
                FieldError("listen_port", "is only used with ingest_mode 'listen_srt'", line)
            )
        if spec.passphrase is not None:
            errors.append(
                FieldError("passphrase", "is only used with ingest_mode 'listen_srt'", line)
            )
    if spec.ingest_mode is not IngestMode.PUSH_RTMP and spec.stream_key_sha256 is not None:
        errors.append(
            FieldError("stream_key_sha256", "is only used with ingest_mode 'push_rtmp'", line)
        )
    if spec.backup_url is not None and spec.backup_url == spec.input_url:
        errors.append(FieldError("backup_url", "must differ from input_url", line))
    return errors


def check_fields(
    raw: object, *, line: int | None = None
) -> tuple[dict[str, Any], list[FieldError]]:
    """Check every present field; returns the normalised values and the broken rules."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    if not isinstance(raw, Mapping):
        return values, [FieldError("body", "must be a mapping of channel fields", line)]
    for key, value in raw.items():
        checker = _CHECKERS.get(str(key))
        if checker is None:
            errors.append(FieldError(str(key), "is not a channel field", line))
            continue
        field_errors: list[FieldError] = []
        bad_text = surrogate_path(value, str(key))
        if bad_text is not None:
            errors.append(FieldError(bad_text, TEXT_MESSAGE, line))
            continue
        result = checker(str(key), value, field_errors)
        for err in field_errors:
            errors.append(FieldError(err.field, err.message, line))
        if not field_errors:
            values[str(key)] = result
    return values, errors


# Field checkers: each appends FieldErrors and returns the normalised value. ---------------

Checker = Callable[[str, Any, list[FieldError]], Any]


def _name(field: str, value: Any, errors: list[FieldError]) -> Any:
    text = _text(field, value, errors, max_length=MAX_NAME_LENGTH)
    if text is not None and not text:
        errors.append(FieldError(field, "must not be empty"))
    return text


def _slug(field: str, value: Any, errors: list[FieldError]) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(FieldError(field, "must be a string"))
        return None
    if not is_valid_slug(value):
        errors.append(
            FieldError(
                field,
                f"must be 1-{MAX_SLUG_LENGTH} lower-case letters, digits and inner hyphens",
            )
        )
    return value


def _url(field: str, value: Any, errors: list[FieldError], *, nullable: bool) -> Any:
    if value is None and nullable:
        return None
    problem = url_problem(value)
    if problem is not None:
        errors.append(FieldError(field, problem))
    return value


def _input_url(field: str, value: Any, errors: list[FieldError]) -> Any:
    # ``None`` passes here; whether the channel needs one depends on its ingest mode.
    return _url(field, value, errors, nullable=True)


def _backup_url(field: str, value: Any, errors: list[FieldError]) -> Any:
    return _url(field, value, errors, nullable=True)


def _tags(field: str, value: Any, errors: list[FieldError]) -> Any:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        errors.append(FieldError(field, "must be a list of strings"))
        return ()
    if len(value) > MAX_TAGS:
        errors.append(FieldError(field, f"must have at most {MAX_TAGS} tags"))
        return ()
    tags: list[str] = []
    for i, item in enumerate(value):
        tag = _text(f"{field}.{i}", item, errors, max_length=MAX_TAG_LENGTH)
        if tag is None:
            continue
        if not tag:
            errors.append(FieldError(f"{field}.{i}", "must not be empty"))
        elif tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _bool(field: str, value: Any, errors: list[FieldError]) -> Any:
    if not isinstance(value, bool):
        errors.append(FieldError(field, "must be true or false"))
    return value


def _ingest_mode(field: str, value: Any, errors: list[FieldError]) -> Any:
    try:
        return IngestMode(value)
    except ValueError:
        allowed = ", ".join(m.value for m in IngestMode)
        errors.append(FieldError(field, f"must be one of {allowed}"))
        return None


def _listen_port(field: str, value: Any, errors: list[FieldError]) -> Any:
    if value is None:
        return None
    return _int_in(field, value, errors, MIN_LISTEN_PORT, MAX_PORT)


def _passphrase(field: str, value: Any, errors: list[FieldError]) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(FieldError(field, "must be a string"))
    elif (problem := srt.passphrase_length_problem(value)) is not None:
        errors.append(FieldError(field, problem))
    elif not _PASSPHRASE_RE.match(value):
        errors.append(FieldError(field, "must be printable ASCII without spaces"))
    return value


def _stream_key_sha256(field: str, value: Any, errors: list[FieldError]) -> Any:
    if value is not None and not rtmp_push.is_key_hash(value):
        errors.append(FieldError(field, "must be 64 lower-case hexadecimal digits"))
    return value


def _profile(field: str, value: Any, errors: list[FieldError]) -> Any:
    if not isinstance(value, str) or value not in PROFILES:
        errors.append(FieldError(field, f"unknown profile; use one of {', '.join(PROFILES)}"))
    return value


def _hls(field: str, value: Any, errors: list[FieldError]) -> Any:
    if value is None:
        return HlsOverrides()
    if not isinstance(value, Mapping):
        errors.append(FieldError(field, "must be an object with segment_seconds and list_size"))
        return None
    segment_seconds = value.get("segment_seconds")
    list_size = value.get("list_size")
    for key in value:
        if key not in ("segment_seconds", "list_size"):
            errors.append(FieldError(f"{field}.{key}", "is not an HLS setting"))
    if segment_seconds is not None:
        low, high = HLS_SEGMENT_SECONDS_RANGE
        if isinstance(segment_seconds, bool) or not isinstance(segment_seconds, int | float):
            errors.append(FieldError(f"{field}.segment_seconds", "must be a number"))
        elif not low <= segment_seconds <= high:
            errors.append(
                FieldError(f"{field}.segment_seconds", f"must be between {low} and {high}")
            )
        else:
            segment_seconds = float(segment_seconds)
    if list_size is not None:
        list_size = _int_in(f"{field}.list_size", list_size, errors, *HLS_LIST_SIZE_RANGE)
    return HlsOverrides(segment_seconds=segment_seconds, list_size=list_size)


def _retention_days(field: str, value: Any, errors: list[FieldError]) -> Any:
    return _int_in(field, value, errors, *RETENTION_DAYS_RANGE)


def _retention_bytes(field: str, value: Any, errors: list[FieldError]) -> Any:
    return None if value is None else _int_in(field, value, errors, *RETENTION_BYTES_RANGE)


def _thumbnail_interval(field: str, value: Any, errors: list[FieldError]) -> Any:
    return _int_in(field, value, errors, *THUMBNAIL_INTERVAL_S_RANGE)


def _offline_grace(field: str, value: Any, errors: list[FieldError]) -> Any:
    return _int_in(field, value, errors, *OFFLINE_GRACE_S_RANGE)


def _content_checks(field: str, value: Any, errors: list[FieldError]) -> Any:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        errors.append(FieldError(field, f"must be a list of {', '.join(CONTENT_CHECKS)}"))
        return ()
    checks: list[str] = []
    for i, item in enumerate(value):
        if item not in CONTENT_CHECKS:
            errors.append(FieldError(f"{field}.{i}", f"must be one of {', '.join(CONTENT_CHECKS)}"))
        elif item not in checks:
            checks.append(item)
    return tuple(checks)


def _text(field: str, value: Any, errors: list[FieldError], *, max_length: int) -> str | None:
    if not isinstance(value, str):
        errors.append(FieldError(field, "must be a string"))
        return None
    text = value.strip()
    if len(text) > max_length:
        errors.append(FieldError(field, f"must be at most {max_length} characters"))
    elif _CONTROL_RE.search(text):
        errors.append(FieldError(field, "must not contain control characters"))
    return text


def _int_in(field: str, value: Any, errors: list[FieldError], low: int, high: int) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(FieldError(field, "must be a whole number"))
    elif not low <= value <= high:
        errors.append(FieldError(field, f"must be between {low} and {high}"))
    return value


def _ordered(errors: list[FieldError]) -> list[FieldError]:
    order = {name: i for i, name in enumerate(CONFIG_FIELDS)}
    return sorted(errors, key=lambda e: order.get(e.field.split(".")[0], len(order)))


_CHECKERS: Final[dict[str, Checker]] = {
    "name": _name,
    "slug": _slug,
    "input_url": _input_url,
    "backup_url": _backup_url,
    "tags": _tags,
    "enabled": _bool,
    "ingest_mode": _ingest_mode,
    "listen_port": _listen_port,
    "passphrase": _passphrase,
    "stream_key_sha256": _stream_key_sha256,
    "profile": _profile,
    "hls": _hls,
    "recording": _bool,
    "retention_days": _retention_days,
    "retention_bytes": _retention_bytes,
    "thumbnail_interval_s": _thumbnail_interval,
    "offline_grace_s": _offline_grace,
    "content_checks": _content_checks,
}
