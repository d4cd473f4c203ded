"""A worker keeps its pod's ``pod-deletion-cost`` at its channel count: merge patches to a
loopback HTTPS stand-in for the Kubernetes API server, only when the count changed, retried
after a failure that is logged once; and ``streamfleet worker`` itself, in a fleet on
PostgreSQL and Redis, patches its pod as channels are placed on it and deleted."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog

from streamfleet.config import Settings
from streamfleet.fleet.pod_cost import ANNOTATION, PodDeletionCost, pod_address, pod_deletion_cost
from tests.integration.fleet.channels import create_channels, online
from tests.integration.fleet.conftest import Fleet
from tests.support.kube_api import KubeApiStandIn
from tests.support.media import Feeders
from tests.support.nginx import self_signed_certificate
from tests.support.tools import require_tool
from tests.support.waiting import wait_until

TOKEN = "service-account-token-for-the-test"
NAMESPACE = "streamfleet"
POD = "streamfleet-worker-7d9f-abcde"
INTERVAL_S = 0.02
WAIT_S = 10.0
FLEET_WAIT_S = 60.0


@pytest.fixture
def account_dir(tmp_path: Path) -> Path:
    """A service-account folder as Kubernetes mounts it: token, CA certificate, namespace."""
    directory = tmp_path / "serviceaccount"
    directory.mkdir()
    (directory / "token").write_text(TOKEN + "\n")
    (directory / "namespace").write_text(NAMESPACE)
    return directory


@pytest.fixture
def kube_api(account_dir: Path, tmp_path: Path) -> Iterator[KubeApiStandIn]:
    cert, key = self_signed_certificate(require_tool("openssl", "openssl"), tmp_path)
    (account_dir / "ca.crt").write_bytes(cert.read_bytes())
    stand_in = KubeApiStandIn(cert, key)
    stand_in.start()
    yield stand_in
    stand_in.stop()


def settings_for(kube_api: KubeApiStandIn, account_dir: Path, **overrides: object) -> Settings:
    return Settings(
        kubernetes_service_host="127.0.0.1",
        kubernetes_service_port=kube_api.port,
        kubernetes_service_account_dir=account_dir,
        worker_name=POD,
        pod_cost_interval_s=INTERVAL_S,
        **overrides,  # type: ignore[arg-type]
    )


class Channels:
    """The worker's channel count as the keeper reads it, and how often it was read."""

    def __init__(self) -> None:
        self.count = 0
        self.reads = 0

    def __call__(self) -> int:
        self.reads += 1
        return self.count


@contextlib.asynccontextmanager
async def running(keeper: PodDeletionCost) -> AsyncIterator[None]:
    task = asyncio.create_task(keeper.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_each_change_of_the_count_is_one_merge_patch_of_the_pods_annotation(
    kube_api: KubeApiStandIn, account_dir: Path
) -> None:
    channels = Channels()
    channels.count = 3
    keeper = pod_deletion_cost(settings_for(kube_api, account_dir), channels)
    assert keeper is not None
    async with running(keeper):
        await wait_until(lambda: len(kube_api.requests) == 1, WAIT_S, "the first patch")
        reads = channels.reads
        await wait_until(lambda: channels.reads >= reads + 5, WAIT_S, "five more looks")
        assert len(kube_api.requests) == 1  # unchanged: nothing sent
        channels.count = 0
        await wait_until(lambda: len(kube_api.requests) == 2, WAIT_S, "the second patch")

    for request, cost in zip(kube_api.requests, ("3", "0"), strict=True):
        assert request.method == "PATCH"
        assert request.path == f"/api/v1/namespaces/{NAMESPACE}/pods/{POD}"
        assert request.headers["content-type"] == "application/merge-patch+json"
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.body == {"metadata": {"annotations": {ANNOTATION: cost}}}


async def test_a_refused_patch_is_logged_once_and_retried_until_it_succeeds(
    kube_api: KubeApiStandIn, account_dir: Path
) -> None:
    kube_api.status = 403
    channels = Channels()
    channels.count = 2
    keeper = pod_deletion_cost(settings_for(kube_api, account_dir), channels)
    assert keeper is not None
    with structlog.testing.capture_logs() as logs:
        async with running(keeper):
            await wait_until(lambda: len(kube_api.requests) >= 3, WAIT_S, "three attempts")
            assert keeper.sent is None
            kube_api.status = 200
            await wait_until(lambda: keeper.sent == 2, WAIT_S, "the patch to succeed")
    events = [entry["event"] for entry in logs]
    assert events.count("fleet.pod_cost_failed") == 1
    assert events.count("fleet.pod_cost_recovered") == 1
    assert TOKEN not in str(logs)


async def test_an_unreachable_api_server_never_stops_the_keeper(
    kube_api: KubeApiStandIn, account_dir: Path
) -> None:
    kube_api.stop()
    channels = Channels()
    channels.count = 1
    keeper = pod_deletion_cost(settings_for(kube_api, account_dir), channels)
    assert keeper is not None
    async with running(keeper):
        await wait_until(lambda: channels.reads >= 3, WAIT_S, "three looks")
    assert keeper.sent is None


def test_outside_a_pod_there_is_nothing_to_patch(account_dir: Path) -> None:
    assert pod_address(Settings(kubernetes_service_account_dir=account_dir)) is None


def test_the_pod_is_the_worker_name_in_the_accounts_namespace_unless_set(
    account_dir: Path,
) -> None:
    base = {
        "kubernetes_service_host": "10.96.0.1",
        "kubernetes_service_port": 443,
        "kubernetes_service_account_dir": account_dir,
        "worker_name": POD,
    }
    address = pod_address(Settings(**base))  # type: ignore[arg-type]
    assert address is not None
    assert (address.api_url, address.namespace, address.pod) == (
        "https://10.96.0.1:443",
        NAMESPACE,
        POD,
    )
    named = pod_address(
        Settings(**base, kubernetes_namespace="other", kubernetes_pod_name="p")  # type: ignore[arg-type]
    )
    assert named is not None
    assert named.path == "/api/v1/namespaces/other/pods/p"


async def test_a_worker_process_keeps_its_pods_cost_at_the_channels_it_runs(
    fleet: Fleet, feeders: Feeders, kube_api: KubeApiStandIn, account_dir: Path
) -> None:
    """As in a pod of the worker Deployment: Kubernetes' service variables, the service
    account's folder, the pod's name as the worker's. 0 with no channel, 2 once both channels
    run here, 1 after one is deleted; each patch a change, none for the API node."""
    pod_env = {
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": str(kube_api.port),
        "STREAMFLEET_KUBERNETES_SERVICE_ACCOUNT_DIR": str(account_dir),
        "STREAMFLEET_POD_COST_INTERVAL_S": "0.2",
    }
    fleet.start("worker", STREAMFLEET_WORKER_NAME=POD, **pod_env)
    api = fleet.start("api", **pod_env)

    def costs() -> list[str]:
        return [r.body["metadata"]["annotations"][ANNOTATION] for r in kube_api.requests]

    await wait_until(lambda: costs() == ["0"], FLEET_WAIT_S, lambda: f"cost 0 first: {costs()}")
    first, second = await create_channels(api, feeders, ["Cost One", "Cost Two"])
    await wait_until(lambda: online(api, 2), FLEET_WAIT_S, "both channels online")
    assert await fleet.holders() == {first: POD, second: POD}
    await wait_until(lambda: costs()[-1] == "2", FLEET_WAIT_S, lambda: f"cost 2: {costs()}")
    async with api.async_client() as client:
        assert (await client.delete(f"/api/v1/channels/{first}")).status_code == 204
    await wait_until(lambda: costs()[-1] == "1", FLEET_WAIT_S, lambda: f"cost 1: {costs()}")

    assert all(before != after for before, after in itertools.pairwise(costs())), costs()
    assert set(costs()) <= {"0", "1", "2"}
    for request in kube_api.requests:
        assert request.method == "PATCH"
        assert request.path == f"/api/v1/namespaces/{NAMESPACE}/pods/{POD}"
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["content-type"] == "application/merge-patch+json"
