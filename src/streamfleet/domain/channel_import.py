"""Channel lists in and out: M3U/M3U8 playlists and YAML, with line numbers for every error.

``parse_import`` turns an uploaded file into ``ImportEntry`` values (raw fields
plus the line each came from); ``validate_entries`` runs the channel rules on
them and reports each broken rule with its line. ``render_yaml`` writes the
YAML that ``parse_yaml`` reads back. Pure: text in, values out.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import yaml

from streamfleet.domain.channel import Channel
from streamfleet.domain.channel_rules import ChannelSpec, config_of, parse_channel_spec
from streamfleet.domain.errors import FieldError, InvalidInput

EXPORT_VERSION: Final = 1

_ATTR_RE = re.compile(r'([A-Za-z0-9_-]+)=(?:"([^"]*)"|(\S+))')


class ImportFormat(enum.StrEnum):
    M3U = "m3u"
    YAML = "yaml"


@dataclass(frozen=True, slots=True)
class ImportEntry:
    """One channel as found in a file: its raw fields and where each was written."""

    line: int
    """The 1-based line the entry starts on."""
    fields: dict[str, Any]
    field_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, field_path: str) -> int:
        return self.field_lines.get(field_path.split(".")[0], self.line)


@dataclass(frozen=True, slots=True)
class ValidEntry:
    line: int
    spec: ChannelSpec


def detect_format(text: str) -> ImportFormat:
    """M3U when the first non-blank line is an M3U tag, else YAML."""
    for raw in text.lstrip("\ufeff").splitlines():
        line = raw.strip()
        if line:
            return ImportFormat.M3U if line.upper().startswith("#EXT") else ImportFormat.YAML
    return ImportFormat.YAML


def parse_import(
    text: str, fmt: ImportFormat | None = None
) -> tuple[list[ImportEntry], list[FieldError]]:
    """The entries of ``text`` and the errors that kept some lines from being entries."""
    chosen = fmt or detect_format(text)
    return parse_m3u(text) if chosen is ImportFormat.M3U else parse_yaml(text)


def validate_entries(
    entries: Iterable[ImportEntry],
) -> tuple[list[ValidEntry], list[FieldError]]:
    """Run the channel rules on every entry; each error carries its line.

    Two entries that name the same slug or listen port are refused in the later one.
    """
    valid: list[ValidEntry] = []
    errors: list[FieldError] = []
    slugs: dict[str, int] = {}
    ports: dict[int, int] = {}
    for entry in entries:
        try:
            spec = parse_channel_spec(entry.fields, line=entry.line)
        except InvalidInput as exc:
            errors.extend(
                FieldError(e.field, e.message, entry.line_of(e.field)) for e in exc.errors
            )
            continue
        clash = False
        if spec.slug is not None:
            if spec.slug in slugs:
                errors.append(
                    FieldError(
                        "slug",
                        f"'{spec.slug}' is already used on line {slugs[spec.slug]}",
                        entry.line_of("slug"),
                    )
                )
                clash = True
            else:
                slugs[spec.slug] = entry.line
        if spec.listen_port is not None:
            if spec.listen_port in ports:
                errors.append(
                    FieldError(
                        "listen_port",
                        f"{spec.listen_port} is already used on line {ports[spec.listen_port]}",
                        entry.line_of("listen_port"),
                    )
                )
                clash = True
            else:
                ports[spec.listen_port] = entry.line
        if not clash:
            valid.append(ValidEntry(entry.line, spec))
    return valid, errors


# M3U -------------------------------------------------------------------------------------


@dataclass
class _PendingInfo:
    line: int
    name: str
    tags: list[str]


def parse_m3u(text: str) -> tuple[list[ImportEntry], list[FieldError]]:
    """Entries of an M3U/M3U8 playlist.

    ``#EXTINF`` titles become names (``tvg-name``, then the URL's host, when the
    title is empty); ``group-title`` (split on ``;``) and ``#EXTGRP`` become tags.
    """
    entries: list[ImportEntry] = []
    errors: list[FieldError] = []
    pending: _PendingInfo | None = None
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        upper = line.upper()
        if upper.startswith("#EXTINF"):
            if pending is not None:
                errors.append(_missing_url(pending))
            pending = _parse_extinf(line, number)
        elif upper.startswith("#EXTGRP:"):
            if pending is not None:
                pending.tags.extend(_split_groups(line.split(":", 1)[1]))
        elif line.startswith("#"):
            continue
        else:
            entries.append(_m3u_entry(pending, line, number))
            pending = None
    if pending is not None:
        errors.append(_missing_url(pending))
    return entries, errors


def _parse_extinf(line: str, number: int) -> _PendingInfo:
    body = line.split(":", 1)[1] if ":" in line else ""
    attrs_part, title = _split_title(body)
    attrs = {
        m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _ATTR_RE.finditer(attrs_part)
    }
    name = title.strip() or attrs.get("tvg-name", "").strip()
    return _PendingInfo(number, name, _split_groups(attrs.get("group-title", "")))


def _split_title(body: str) -> tuple[str, str]:
    """Split ``-1 tvg-name="a, b" group-title="x",Title`` at the first comma outside quotes."""
    in_quotes = False
    for i, char in enumerate(body):
        if char == '"':
            in_quotes = not in_quotes
        elif char == "," and not in_quotes:
            return body[:i], body[i + 1 :]
    return body, ""


def _split_groups(value: str) -> list[str]:
    return [group.strip() for group in value.split(";") if group.strip()]


def _m3u_entry(info: _PendingInfo | None, url: str, number: int) -> ImportEntry:
    start = info.line if info is not None else number
    name = info.name if info is not None and info.name else _name_from_url(url)
    fields: dict[str, Any] = {"name": name, "input_url": url}
    lines = {"name": start, "input_url": number}
    if info is not None and info.tags:
        fields["tags"] = info.tags
        lines["tags"] = start
    return ImportEntry(start, fields, lines)


def _name_from_url(url: str) -> str:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host or "channel"


def _missing_url(info: _PendingInfo) -> FieldError:
    return FieldError("input_url", "#EXTINF entry has no URL line after it", info.line)


# YAML ------------------------------------------------------------------------------------


def parse_yaml(text: str) -> tuple[list[ImportEntry], list[FieldError]]:
    """Entries of a YAML list of channels, either bare or under a ``channels:`` key."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # the reader refuses characters YAML does not allow
        return [], [FieldError("body", f"is not valid YAML: {exc}", None)]
    try:
        root = loader.get_single_node()
        items = _channel_nodes(root)
        if isinstance(items, FieldError):
            return [], [items]
        entries: list[ImportEntry] = []
        errors: list[FieldError] = []
        for node in items:
            entry = _yaml_entry(loader, node)
            if isinstance(entry, FieldError):
                errors.append(entry)
            else:
                entries.append(entry)
        return entries, errors
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return [], [FieldError("body", f"is not valid YAML: {exc.problem or exc}", line)]
    except yaml.YAMLError as exc:
        return [], [FieldError("body", f"is not valid YAML: {exc}", None)]
    finally:
        loader.dispose()


def _channel_nodes(root: yaml.Node | None) -> list[yaml.Node] | FieldError:
    if root is None:
        return []
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "channels":
                root = value
                break
        else:
            return FieldError(
                "channels", "the file has no 'channels:' list", root.start_mark.line + 1
            )
    if isinstance(root, yaml.ScalarNode) and root.value in ("", "null", "~"):
        return []
    if not isinstance(root, yaml.SequenceNode):
        return FieldError("channels", "must be a list of channels", root.start_mark.line + 1)
    return list(root.value)


def _yaml_entry(loader: yaml.SafeLoader, node: yaml.Node) -> ImportEntry | FieldError:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        return FieldError("channels", "each channel must be a mapping of fields", line)
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        try:
            key = str(loader.construct_object(key_node, deep=True))
            fields[key] = loader.construct_object(value_node, deep=True)
        except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
            # A tagged scalar its constructor cannot read (``!!int 'abc'``, ``!!timestamp 'x'``).
            at = value_node.start_mark.line + 1
            return FieldError("channels", f"a value cannot be read: {exc}", at)
        lines[key] = key_node.start_mark.line + 1
    return ImportEntry(line, fields, lines)


def render_yaml(channels: Iterable[Channel]) -> str:
    """The YAML export of ``channels`` that ``parse_yaml`` reads back."""
    document = {"version": EXPORT_VERSION, "channels": [config_of(c) for c in channels]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
