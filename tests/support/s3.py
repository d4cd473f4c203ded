"""An S3-compatible server on loopback for the tests: moto's server mode, started here.

``s3_server`` runs moto's ``moto_server`` on 127.0.0.1 and a free port for the whole
session (real HTTP, real signing by botocore: nothing of boto3 is mocked) and kills it
afterwards. It is a process of its own, owned like every child of a test (own process
group, parent-death signal), not moto's ``ThreadedMotoServer`` inside the test process:
there every request waited for the GIL of a process that also runs the engine under test,
its event loop and its FFmpegs' pipes, which a loaded host starves. ``s3_bucket`` gives
each test a new bucket and the settings that reach it, with a secret access key the tests
look for in logs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from streamfleet.storage.object_store import ObjectStore, S3Connection, make_client
from tests.support.server import free_port, with_parent_death_signal
from tests.support.waiting import wait_sync

S3_REGION = "us-east-1"
S3_ACCESS_KEY_ID = "streamfleet-test-key"
S3_SECRET_ACCESS_KEY = "sEcReT-never-in-a-log-0123456789abcdef"
MOTO_SERVER = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which(
    "moto_server"
)
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0


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
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The endpoint URL of a moto S3 server on a free loopback port (one per session)."""
    if MOTO_SERVER is None:
        pytest.fail("moto_server is missing: install the test extras (moto[server])")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command, preexec = with_parent_death_signal(
        [MOTO_SERVER, "--host", "127.0.0.1", "--port", str(port)]
    )
    log_path = tmp_path_factory.mktemp("moto") / "moto_server.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec,
        )
    try:
        client = make_client(connection_to(endpoint))
        wait_sync(
            lambda: _answers(client, process),
            READY_TIMEOUT_S,
            f"moto_server on {port} (its log: {log_path})",
        )
        yield endpoint
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT_S)


def _answers(client: Any, process: subprocess.Popen[bytes]) -> bool:
    """Whether the server lists buckets (raises if it exited: no point in waiting)."""
    if process.poll() is not None:
        raise AssertionError(f"moto_server exited with {process.returncode}")
    try:
        client.list_buckets()
    except (BotoCoreError, ClientError):
        return False
    return True


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
