"""The object-store client: locations parsed, and the client configured for any S3-compatible
store (checksums only when required, bounded retries and timeouts). No request is made."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from streamfleet.storage.object_store import (
    CONNECT_TIMEOUT_S,
    MAX_ATTEMPTS,
    READ_TIMEOUT_S,
    ObjectStoreError,
    S3Connection,
    join_key,
    make_client,
    parse_location,
)


@pytest.mark.parametrize(
    ("location", "parsed"),
    [
        ("s3://bucket/a/b", ("bucket", "a/b")),
        ("s3://bucket/a/b/", ("bucket", "a/b")),
        ("s3://bucket", ("bucket", "")),
    ],
)
def test_a_location_is_a_bucket_and_a_prefix(location: str, parsed: tuple[str, str]) -> None:
    assert parse_location(location) == parsed


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("/var/backups", "/var/backups: not an s3://bucket/prefix location"),
        ("gs://bucket/a", "gs://bucket/a: not an s3://bucket/prefix location"),
        ("s3:///a", "s3:///a: names no bucket (s3://bucket/prefix)"),
    ],
)
def test_a_bad_location_is_refused_with_one_line(location: str, message: str) -> None:
    with pytest.raises(ObjectStoreError) as refused:
        parse_location(location)
    assert str(refused.value) == message


def test_keys_are_joined_with_single_slashes() -> None:
    assert join_key("/backups/", "", "streamfleet-x/", "manifest.json") == (
        "backups/streamfleet-x/manifest.json"
    )


def test_the_client_asks_for_checksums_only_when_required() -> None:
    """boto3 >= 1.36 sends CRC checksums by default, which MinIO, Ceph and GCS refuse."""
    client = make_client(
        S3Connection(
            endpoint_url="http://127.0.0.1:9000",
            region="us-east-1",
            access_key_id="key",
            secret_access_key=SecretStr("secret"),
        )
    )
    config = client.meta.config
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.retries == {"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"}
    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
    assert config.s3 == {"addressing_style": "path"}
    assert client.meta.endpoint_url == "http://127.0.0.1:9000"


def test_the_secret_is_not_in_the_connections_repr() -> None:
    connection = S3Connection(access_key_id="key", secret_access_key=SecretStr("hunter2-secret"))
    assert "hunter2-secret" not in repr(connection)
