"""Objects in one bucket of any S3-compatible store (AWS S3, MinIO, Ceph, GCS interop), by key.

A small generic layer over boto3 for whatever streamfleet keeps in a bucket
(backups today; recorded segments later): put, get, exists, list under a prefix,
delete. botocore signs every request and retries with backoff; its errors are
translated here, at the boundary, into ``ObjectStoreError`` (``ObjectMissing``
for a key that is not there) whose message names the bucket and key, never a
credential. The client is built from an ``S3Connection`` the caller makes from
its settings, so this module reads no environment and no ``Settings``.

Since boto3 1.36 the client adds CRC checksums to every upload and asks for them
on every download unless told ``when_required``; MinIO, Ceph and Google's
interoperable API refuse or mishandle those headers (moto accepts them), so
both are set to ``when_required``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from pydantic import SecretStr

from streamfleet.domain.errors import StreamfleetError

S3Client = Any
"""botocore builds the client's class at run time; no stubs are installed for it."""
S3_SCHEME: Final = "s3"
CONNECT_TIMEOUT_S: Final = 5.0
READ_TIMEOUT_S: Final = 60.0
MAX_ATTEMPTS: Final = 5
"""Each request is tried this often (botocore's standard mode: exponential backoff, jitter)."""
DELETE_BATCH_KEYS: Final = 1000
"""S3's limit on the keys of one DeleteObjects request."""
MISSING_CODES: Final = frozenset({"NoSuchKey", "404", "NotFound"})


class ObjectStoreError(StreamfleetError):
    """The bucket could not be read or written; the message names bucket and key."""


class ObjectMissing(ObjectStoreError):
    """No object under that key."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"{url}: missing")


@dataclass(frozen=True, slots=True)
class S3Connection:
    """How to reach the store; ``None`` leaves a value to boto3's usual sources."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    max_attempts: int = MAX_ATTEMPTS


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    bytes: int


def parse_location(location: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> (``bucket``, ``some/prefix``); slashes trimmed."""
    scheme, sep, rest = location.partition("://")
    if not sep or scheme != S3_SCHEME:
        raise ObjectStoreError(f"{location}: not an {S3_SCHEME}://bucket/prefix location")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ObjectStoreError(f"{location}: names no bucket ({S3_SCHEME}://bucket/prefix)")
    return bucket, prefix.strip("/")


def join_key(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


def make_client(connection: S3Connection) -> S3Client:
    """A boto3 S3 client with bounded timeouts, retries and ``when_required`` checksums."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"total_max_attempts": connection.max_attempts, "mode": "standard"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        s3={"addressing_style": "path"} if connection.endpoint_url else {},
    )
    secret = connection.secret_access_key
    client: S3Client = boto3.session.Session().client(
        "s3",
        endpoint_url=connection.endpoint_url or None,
        region_name=connection.region or None,
        aws_access_key_id=connection.access_key_id or None,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=config,
    )
    return client


class ObjectStore:
    """One bucket; every method is blocking (call it from a thread, not the event loop)."""

    def __init__(
        self, bucket: str, client: S3Client | None = None, connection: S3Connection | None = None
    ) -> None:
        self.bucket = bucket
        self._made: S3Client | None = client
        self._connection = connection or S3Connection()
        self._lock = threading.Lock()

    @classmethod
    def connect(cls, bucket: str, connection: S3Connection) -> ObjectStore:
        """The store, its client made at first use (in the caller's worker thread: making one
        loads botocore's service model, half a second of CPU the event loop must not wait)."""
        return cls(bucket, connection=connection)

    @property
    def _client(self) -> S3Client:
        with self._lock:
            if self._made is None:
                self._made = make_client(self._connection)
            return self._made

    def url(self, key: str = "") -> str:
        return f"{S3_SCHEME}://{join_key(self.bucket, key)}"

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        with self._translated(key):
            self._client.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)

    def put_checked(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """``put`` with the body's MD5 sent along: the store refuses a body that arrived
        different (every S3-compatible store checks ``Content-MD5``)."""
        digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        extra = {"ContentType": content_type} if content_type else {}
        with self._translated(key):
            self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentMD5=digest, **extra
            )

    def presigned_get(self, key: str, expires_s: int) -> str:
        """A URL that reads ``key`` for ``expires_s`` seconds without credentials (computed
        here: no request is made)."""
        url: str = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )
        return url

    def get(self, key: str) -> bytes:
        with self._translated(key):
            body: bytes = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        try:
            with self._translated(key):
                self._client.head_object(Bucket=self.bucket, Key=key)
        except ObjectMissing:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order."""
        paginator = self._client.get_paginator("list_objects_v2")
        with self._translated(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield ObjectInfo(key=item["Key"], bytes=item["Size"])

    def delete(self, keys: Iterable[str]) -> int:
        """Delete these keys (a missing one is no error); returns how many were asked."""
        pending = list(keys)
        for start in range(0, len(pending), DELETE_BATCH_KEYS):
            batch = pending[start : start + DELETE_BATCH_KEYS]
            with self._translated(batch[0]):
                answer = self._client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
            errors = answer.get("Errors", [])
            if errors:
                first = errors[0]
                raise ObjectStoreError(
                    f"{self.url(first.get('Key', ''))}: not deleted ({first.get('Code', '?')})"
                )
        return len(pending)

    def _translated(self, key: str) -> contextlib.AbstractContextManager[None]:
        return _translated(self.url(key))


@contextlib.contextmanager
def _translated(url: str) -> Iterator[None]:
    """Turns botocore's exceptions into ``ObjectStoreError``s naming ``url``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "?"))
        if code in MISSING_CODES:
            raise ObjectMissing(url) from None
        message = str(error.get("Message", "")) or code
        raise ObjectStoreError(f"{url}: {code}: {message}") from None
    except BotoCoreError as exc:
        raise ObjectStoreError(f"{url}: {type(exc).__name__}: {exc}") from None
