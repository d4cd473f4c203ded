"""An S3-compatible server on loopback for the tests: moto's server mode, started here.

``s3_server`` runs ``moto.server.ThreadedMotoServer`` on 127.0.0.1 and a free port
for the whole session (real HTTP, real signing by botocore: nothing of boto3 is
mocked) and stops it afterwards. ``s3_bucket`` gives each test a new bucket and
the settings that reach it, with a secret access key the tests look for in logs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from streamfleet.storage.object_store import ObjectStore, S3Connection, make_client

S3_REGION = "us-east-1"
S3_ACCESS_KEY_ID = "streamfleet-test-key"
S3_SECRET_ACCESS_KEY = "sEcReT-never-in-a-log-0123456789abcdef"


@dataclass(frozen=True, slots=True)
class S3Bucket:
    name: str
    endpoint_url: str
    objects: ObjectStore
    """The bucket as the code under test sees it (to list, damage or check objects)."""
    client: Any
    """boto3's client itself, for what ``ObjectStore`` does not offer (an object's headers)."""

    @property
    def settings(self) -> dict[str, Any]:
        """``Settings`` keyword arguments that reach this bucket."""
        return {
            "s3_endpoint_url": self.endpoint_url,
            "s3_bucket": self.name,
            "s3_region": S3_REGION,
            "s3_access_key_id": S3_ACCESS_KEY_ID,
            "s3_secret_access_key": S3_SECRET_ACCESS_KEY,
        }

    @property
    def connection(self) -> S3Connection:
        return connection_to(self.endpoint_url)

    def keys(self, prefix: str = "") -> list[str]:
        return [item.key for item in self.objects.list(prefix)]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of a moto S3 server on a free loopback port (one per session)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: str) -> S3Bucket:
    """A new, empty bucket on the session's S3 server."""
    name = f"sf-test-{uuid.uuid4().hex[:12]}"
    client = make_client(connection_to(s3_server))
    client.create_bucket(Bucket=name)
    return S3Bucket(name, s3_server, ObjectStore(name, client), client)


def connection_to(endpoint_url: str) -> S3Connection:
    return S3Connection(
        endpoint_url=endpoint_url,
        region=S3_REGION,
        access_key_id=S3_ACCESS_KEY_ID,
        secret_access_key=SecretStr(S3_SECRET_ACCESS_KEY),
    )
