"""Channel files: M3U and YAML in, YAML out, every error with the line it is on."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.channel import Channel, HlsOverrides, IngestMode
from streamfleet.domain.channel_import import (
    ImportFormat,
    detect_format,
    parse_import,
    parse_m3u,
    parse_yaml,
    render_yaml,
    validate_entries,
)


@dataclass(frozen=True)
class M3uItem:
    name: str
    url: str
    group: str


names = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9 ()&'.:-]{0,30}[A-Za-z0-9)]\Z")
urls = st.builds(
    lambda host, port: f"udp://{host}:{port}",
    st.ip_addresses(v=4).map(str),
    st.integers(1, 65535),
)
groups = st.from_regex(r"\A([A-Za-z][A-Za-z0-9 ]{0,10}[A-Za-z0-9]?)?\Z")
items = st.lists(st.builds(M3uItem, names, urls, groups), max_size=12)


def playlist(entries: list[M3uItem], *, extras: bool) -> tuple[str, list[int], list[int]]:
    """Build an M3U; returns the text, each entry's #EXTINF line and each URL line."""
    lines = ['#EXTM3U x-tvg-url="http://epg.example/guide.xml"']
    info_lines, url_lines = [], []
    for item in entries:
        if extras:
            lines.append("")
        group = f' group-title="{item.group}"' if item.group else ""
        lines.append(f'#EXTINF:-1 tvg-id="x" tvg-name="{item.name}"{group},{item.name}')
        info_lines.append(len(lines))
        if extras:
            lines.append("#EXTVLCOPT:network-caching=1000")
        lines.append(item.url)
        url_lines.append(len(lines))
    return "\n".join(lines) + "\n", info_lines, url_lines


@given(entries=items, extras=st.booleans())
def test_every_m3u_entry_comes_back_with_its_name_group_url_and_line(
    entries: list[M3uItem], extras: bool
) -> None:
    text, info_lines, url_lines = playlist(entries, extras=extras)
    parsed, errors = parse_m3u(text)
    assert errors == []
    assert [e.fields["name"] for e in parsed] == [i.name for i in entries]
    assert [e.fields["input_url"] for e in parsed] == [i.url for i in entries]
    assert [e.fields.get("tags", []) for e in parsed] == [
        [i.group.strip()] if i.group.strip() else [] for i in entries
    ]
    assert [e.line for e in parsed] == info_lines
    assert [e.line_of("input_url") for e in parsed] == url_lines


@given(text=st.text(max_size=300))
def test_the_m3u_parser_never_fails_on_any_text(text: str) -> None:
    entries, errors = parse_m3u(text)
    for entry in entries:
        assert entry.line >= 1
    for error in errors:
        assert error.line is not None
        assert error.line >= 1


def test_a_title_with_commas_inside_quoted_attributes_is_split_at_the_right_comma() -> None:
    entries, _ = parse_m3u(
        '#EXTINF:-1 tvg-name="A, B" group-title="News;HD",Channel, One\nudp://239.0.0.1:1\n'
    )
    assert entries[0].fields == {
        "name": "Channel, One",
        "input_url": "udp://239.0.0.1:1",
        "tags": ["News", "HD"],
    }


def test_an_empty_title_falls_back_to_tvg_name_then_to_the_host() -> None:
    text = (
        '#EXTINF:-1 tvg-name="From Attr",\nudp://239.0.0.1:1\n'
        "#EXTINF:-1,\nhttp://cdn.example.com/live.m3u8\n"
        "rtmp://bare.example.com/live/x\n"
    )
    entries, _ = parse_m3u(text)
    assert [e.fields["name"] for e in entries] == [
        "From Attr",
        "cdn.example.com",
        "bare.example.com",
    ]


def test_extgrp_lines_add_tags() -> None:
    entries, _ = parse_m3u("#EXTINF:-1,A\n#EXTGRP:Sports\nudp://239.0.0.1:1\n")
    assert entries[0].fields["tags"] == ["Sports"]


def test_an_extinf_without_a_url_is_reported_on_its_line() -> None:
    entries, errors = parse_m3u(
        "#EXTM3U\n#EXTINF:-1,A\n#EXTINF:-1,B\nudp://239.0.0.1:1\n#EXTINF:-1,C\n"
    )
    assert [e.fields["name"] for e in entries] == ["B"]
    assert [(e.line, e.field) for e in errors] == [(2, "input_url"), (5, "input_url")]


def test_sixty_entries_with_three_bad_report_exactly_those_three_lines() -> None:
    lines = ["#EXTM3U"]
    bad_lines = []
    for i in range(60):
        lines.append(f'#EXTINF:-1 group-title="Group {i % 4}",Channel {i}')
        if i in (5, 31, 58):
            lines.append(f"file:///etc/passwd{i}")
            bad_lines.append(len(lines))
        else:
            lines.append(f"udp://239.0.0.{i}:1234")
    entries, parse_errors = parse_m3u("\n".join(lines))
    valid, errors = validate_entries(entries)
    assert parse_errors == []
    assert len(valid) == 57
    assert [(e.line, e.field) for e in errors] == [(n, "input_url") for n in bad_lines]


def test_yaml_entries_know_the_line_of_each_field() -> None:
    text = """\
channels:
  - name: One
    input_url: udp://239.0.0.1:1
  - name: Two
    tags: [a, b]
    input_url: pipe:0
"""
    entries, errors = parse_yaml(text)
    assert errors == []
    assert [e.line for e in entries] == [2, 4]
    assert entries[1].line_of("input_url") == 6
    valid, problems = validate_entries(entries)
    assert [v.spec.name for v in valid] == ["One"]
    assert [(p.line, p.field) for p in problems] == [(6, "input_url")]


def test_a_bare_yaml_list_is_accepted() -> None:
    entries, errors = parse_yaml("- name: One\n  input_url: udp://239.0.0.1:1\n")
    assert errors == []
    assert entries[0].fields["name"] == "One"


def test_broken_yaml_is_one_error_with_its_line() -> None:
    entries, errors = parse_yaml("channels:\n  - name: One\n    input_url: [unclosed\n")
    assert entries == []
    assert len(errors) == 1
    assert errors[0].field == "body"
    assert errors[0].line is not None
    assert errors[0].line >= 3


def test_yaml_that_is_not_a_channel_list_says_so() -> None:
    _, errors = parse_yaml("version: 1\nchannel: []\n")
    assert [(e.field, e.line) for e in errors] == [("channels", 1)]
    _, errors = parse_yaml("channels:\n  - just a string\n")
    assert [(e.field, e.line) for e in errors] == [("channels", 2)]


def test_the_same_slug_or_port_twice_in_a_file_is_refused_in_the_later_entry() -> None:
    text = """\
- {name: A, slug: same, input_url: "udp://239.0.0.1:1"}
- {name: B, slug: same, input_url: "udp://239.0.0.1:2"}
- {name: C, ingest_mode: listen_srt, listen_port: 10005}
- {name: D, ingest_mode: listen_srt, listen_port: 10005}
"""
    entries, _ = parse_yaml(text)
    valid, errors = validate_entries(entries)
    assert [v.spec.name for v in valid] == ["A", "C"]
    assert [(e.line, e.field) for e in errors] == [(2, "slug"), (4, "listen_port")]
    assert "line 1" in errors[0].message


def test_an_export_reads_back_as_the_same_channels() -> None:
    channels = [
        Channel(
            id=1,
            slug="news-hd",
            name="News HD",
            input_url="rtmp://user:pw@src.example/live/k",
            backup_url="udp://239.0.0.9:1234",
            tags=("news", "hd"),
            profile="720p",
            hls=HlsOverrides(4.0, None),
            recording=True,
            retention_days=3,
            retention_bytes=200_000_000_000,
            content_checks=("black", "silence"),
        ),
        Channel(
            id=2,
            slug="push",
            name="Push ✓",
            input_url="srt://0.0.0.0:10000?mode=listener",
            ingest_mode=IngestMode.LISTEN_SRT,
            listen_port=10000,
            passphrase="abcdefghijklmnop",
            enabled=False,
        ),
    ]
    text = render_yaml(channels)
    entries, errors = parse_import(text)
    valid, problems = validate_entries(entries)
    assert errors == []
    assert problems == []
    first, second = (v.spec for v in valid)
    assert (first.retention_bytes, second.retention_bytes) == (200_000_000_000, None)
    assert (first.slug, first.input_url, first.tags, first.hls) == (
        "news-hd",
        "rtmp://user:pw@src.example/live/k",
        ("news", "hd"),
        HlsOverrides(4.0, None),
    )
    assert (second.name, second.listen_port, second.passphrase, second.enabled) == (
        "Push ✓",
        10000,
        "abcdefghijklmnop",
        False,
    )


def test_the_format_is_guessed_from_the_first_line() -> None:
    assert detect_format("\ufeff#EXTM3U\n") is ImportFormat.M3U
    assert detect_format("\n#EXTINF:-1,A\nudp://x:1") is ImportFormat.M3U
    assert detect_format("channels: []") is ImportFormat.YAML
    assert detect_format("") is ImportFormat.YAML


YAML_PIECES = st.sampled_from(
    [
        "channels:",
        "\n",
        "  - ",
        "- ",
        "name: ",
        "input_url: ",
        "udp://@239.1.1.1:5000",
        "tags: ",
        "listen_port: ",
        "offline_grace_s: ",
        "99999999999999999999999999",
        "-1",
        "1e999",
        "!!int 'abc'",
        "!!timestamp 'x'",
        "!!binary 'zz'",
        "!!float 'q'",
        "!!set {a}",
        "&a [*a]",
        "{? [a, b] : 1}",
        "[[1]]",
        "{",
        "[",
        "'",
        '"\\ud800"',
        "\ud800",
        "\x00",
        "\t",
        ": ",
        "~",
    ]
)


@given(pieces=st.lists(YAML_PIECES, max_size=25))
def test_the_yaml_reader_answers_any_text_with_entries_or_errors_never_an_exception(
    pieces: list[str],
) -> None:
    entries, errors = parse_yaml("".join(pieces))
    validate_entries(entries)
    for error in errors:
        assert error.field in ("body", "channels")


def test_a_tagged_value_its_constructor_cannot_read_is_an_error_on_its_line() -> None:
    for text in (
        "channels:\n  - name: x\n    tags: !!int 'abc'\n",
        "channels:\n  - name: x\n    input_url: !!timestamp 'x'\n",
    ):
        entries, errors = parse_yaml(text)
        assert entries == []
        assert [(e.field, e.line) for e in errors] == [("channels", 3)]


def test_characters_yaml_does_not_allow_are_a_body_error() -> None:
    entries, errors = parse_yaml("- name: \ud800\n")
    assert entries == []
    assert [e.field for e in errors] == ["body"]
