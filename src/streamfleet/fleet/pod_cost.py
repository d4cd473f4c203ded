"""A worker's pod carries its channel count as ``controller.kubernetes.io/pod-deletion-cost``.

A scale-down of the worker Deployment then removes the pod with the fewest channels first
(the ReplicaSet deletes the lowest cost first), so fewer channels move. Only in a pod
(``KUBERNETES_SERVICE_HOST``/``_PORT`` set): the worker sends a JSON merge patch of its
pod's annotations to the API server with its service account's token, verified against the
cluster's CA (``deploy/kubernetes/base/worker-rbac.yaml`` allows it).

Every ``pod_cost_interval_s`` the count is looked at and sent only when it changed since
the last patch that succeeded. A failure is logged once (until a patch succeeds again) and
retried at the next look; nothing here stops the worker.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx
import structlog

from streamfleet.config import Settings

ANNOTATION: Final = "controller.kubernetes.io/pod-deletion-cost"
MERGE_PATCH: Final = "application/merge-patch+json"
REQUEST_TIMEOUT_S: Final = 10.0
FAILURES: Final = (httpx.HTTPError, OSError, ssl.SSLError, ValueError)
"""What a patch may fail with: the network, TLS, the files of the service account, an answer."""

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class PodAddress:
    """Where a worker's pod is patched, and the service-account files that allow it."""

    api_url: str
    namespace: str
    pod: str
    account_dir: Path

    @property
    def path(self) -> str:
        return f"/api/v1/namespaces/{self.namespace}/pods/{self.pod}"

    def token(self) -> str:
        """Read at every patch: Kubernetes rotates projected tokens."""
        return (self.account_dir / "token").read_text().strip()


def pod_address(settings: Settings) -> PodAddress | None:
    """The worker's pod, or ``None`` outside Kubernetes."""
    host, port = settings.kubernetes_service_host, settings.kubernetes_service_port
    if not host or not port:
        return None
    account_dir = settings.kubernetes_service_account_dir
    namespace = settings.kubernetes_namespace
    if not namespace:
        try:
            namespace = (account_dir / "namespace").read_text().strip()
        except OSError as exc:
            log.warning("fleet.pod_cost_off", why=f"no namespace: {exc}")
            return None
    bracketed = f"[{host}]" if ":" in host else host
    return PodAddress(
        api_url=f"{settings.kubernetes_api_scheme}://{bracketed}:{port}",
        namespace=namespace,
        pod=settings.kubernetes_pod_name or settings.worker_name,
        account_dir=account_dir,
    )


class PodDeletionCost:
    """Keeps the pod's deletion cost at ``count()``; ``run()`` until cancelled."""

    def __init__(self, address: PodAddress, count: Callable[[], int], *, interval_s: float) -> None:
        self.address = address
        self._count = count
        self._interval_s = interval_s
        self.sent: int | None = None
        """The cost the last successful patch set (``None``: none yet)."""
        self._failing = False

    async def run(self) -> None:
        while True:
            await self.update()
            await asyncio.sleep(self._interval_s)

    async def update(self) -> None:
        """Patch the pod if the count changed since the last successful patch."""
        count = self._count()
        if count == self.sent:
            return
        try:
            await self._patch(count)
        except FAILURES as exc:
            if not self._failing:
                log.warning(
                    "fleet.pod_cost_failed", pod=self.address.pod, cost=count, error=str(exc)
                )
            self._failing = True
            return
        if self._failing:
            log.info("fleet.pod_cost_recovered", pod=self.address.pod)
        self._failing = False
        self.sent = count

    async def _patch(self, count: int) -> None:
        address = self.address
        verify: ssl.SSLContext | bool = False
        if address.api_url.startswith("https://"):
            verify = ssl.create_default_context(cafile=str(address.account_dir / "ca.crt"))
        headers = {
            "Authorization": f"Bearer {address.token()}",
            "Content-Type": MERGE_PATCH,
        }
        body = {"metadata": {"annotations": {ANNOTATION: str(count)}}}
        async with httpx.AsyncClient(verify=verify, timeout=REQUEST_TIMEOUT_S) as client:
            response = await client.patch(
                f"{address.api_url}{address.path}", json=body, headers=headers
            )
        response.raise_for_status()


def pod_deletion_cost(settings: Settings, count: Callable[[], int]) -> PodDeletionCost | None:
    """The keeper of this worker's pod deletion cost, or ``None`` outside Kubernetes."""
    address = pod_address(settings)
    if address is None:
        return None
    return PodDeletionCost(address, count, interval_s=settings.pod_cost_interval_s)
