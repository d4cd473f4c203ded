"""The manifest: written, read back, and every file checked against its sha256."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.backup.errors import BackupUnreadable
from streamfleet.backup.manifest import (
    Encryption,
    FileEntry,
    Manifest,
    TableEntry,
    parse_manifest,
    sha256_hex,
)

CHANNELS = b'{"id":1}\n'


def a_manifest(**overrides: object) -> Manifest:
    values: dict[str, object] = {
        "product_version": "0.1.0",
        "schema_revision": "0002",
        "created_at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        "source_dialect": "sqlite",
        "tables": (TableEntry("channels", "tables/channels.jsonl.gz", 1, ("id",)),),
        "files": {"tables/channels.jsonl.gz": FileEntry(sha256_hex(CHANNELS), len(CHANNELS))},
    }
    values.update(overrides)
    return Manifest(**values)  # type: ignore[arg-type]


def test_a_manifest_reads_back_as_written() -> None:
    manifest = a_manifest(encryption=Encryption("fernet-scrypt-v1", "c2FsdA==", "token"))
    assert parse_manifest(manifest.to_json()) == manifest


def test_the_sha256_is_the_standard_one() -> None:
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_a_file_as_written_passes() -> None:
    a_manifest().verify("tables/channels.jsonl.gz", CHANNELS)


@given(st.binary(max_size=64))
def test_any_other_content_is_a_checksum_mismatch_naming_the_file(other: bytes) -> None:
    if other == CHANNELS:
        return
    with pytest.raises(BackupUnreadable, match=r"^tables/channels.jsonl.gz: checksum mismatch"):
        a_manifest().verify("tables/channels.jsonl.gz", other)


def test_a_file_the_manifest_does_not_list_is_refused() -> None:
    with pytest.raises(BackupUnreadable, match=r"^extra\.bin: not listed in the manifest"):
        a_manifest().verify("extra.bin", b"")


def document(**changes: object) -> str:
    raw = json.loads(a_manifest().to_json())
    raw.update(changes)
    return json.dumps(raw)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "manifest.json: not JSON"),
        ("[]", "manifest.json: not a streamfleet-backup manifest"),
        (document(format="other"), "manifest.json: not a streamfleet-backup manifest"),
        (document(format_version=2), "manifest.json: format version 2 is unknown"),
        (document(format_version="1"), "manifest.json: format version '1' is unknown"),
        (document(files={}), "manifest.json: malformed (ValueError: table channels names"),
        (document(tables=None), "manifest.json: malformed (TypeError"),
        (document(created_at="yesterday"), "manifest.json: malformed (ValueError"),
        (
            document(schema_revision=None).replace('"schema_revision": null, ', ""),
            "manifest.json: malformed (KeyError",
        ),
    ],
)
def test_a_bad_manifest_is_one_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(BackupUnreadable) as refused:
        parse_manifest(text)
    assert str(refused.value).startswith(message)
