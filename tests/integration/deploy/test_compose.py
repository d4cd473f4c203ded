"""``deploy/compose.yaml``: valid against the compose-spec schema, and right where a schema
cannot tell (dependencies, roles, the shared media volume, Prometheus's targets, Grafana's
provisioning, the documented ``.env.example``).

No container runtime runs in CI: ``check-jsonschema`` (its vendored compose-spec schema)
checks the file, and the rest is read from it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.deploy_files import (
    DEPLOY,
    is_streamfleet_command,
    unknown_variables,
)
from tests.support.nginx import TEMPLATE, template_names
from tests.support.nginx_rtmp import RTMP_TEMPLATE
from tests.support.tools import require_tool

COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
GRAFANA_PROVISIONING = DEPLOY / "grafana" / "provisioning"
CHECK_TIMEOUT_S = 120
INTERPOLATION_RE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)")
ENV_LINE_RE = re.compile(r"^#?\s*([A-Z_][A-Z0-9_]*)=", re.MULTILINE)
ROLES = {"migrate": ["db", "upgrade"], "api": ["api"], "worker": ["worker"]}
REPLICAS = {"api": 2, "worker": 3}
DATABASES = ("postgres", "mariadb")


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def services() -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"]
    return found


def check_compose_schema(path: Path) -> subprocess.CompletedProcess[str]:
    tool = require_tool("check-jsonschema", "the check-jsonschema wheel (the test extra)")
    return subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT_S,
        check=False,
    )


def depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    value = service.get("depends_on", {})
    if isinstance(value, list):
        return {name: {"condition": "service_started"} for name in value}
    return dict(value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in service.get("environment", {}).items()}


def volume_targets(service: dict[str, Any]) -> dict[str, str]:
    """``{source: "target[:mode]"}`` of a service's short-syntax volumes."""
    return dict(entry.split(":", 1) for entry in service.get("volumes", []))


def test_check_jsonschema_accepts_the_compose_file_against_the_compose_spec() -> None:
    result = check_compose_schema(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_the_compose_spec_check_refuses_a_broken_file(tmp_path: Path) -> None:
    """The schema is really applied: an unknown depends_on condition fails it."""
    broken = tmp_path / "compose.yaml"
    broken.write_text(
        COMPOSE.read_text().replace(
            "condition: service_completed_successfully", "condition: service_finished"
        )
    )
    result = check_compose_schema(broken)
    assert result.returncode == 1, result.stdout
    assert "service_finished" in result.stdout


def test_every_depends_on_names_a_service_of_the_file() -> None:
    names = set(services())
    for name, service in services().items():
        missing = set(depends_on(service)) - names
        assert missing == set(), f"{name} depends on {missing}"


def test_every_service_waited_for_as_healthy_has_a_healthcheck() -> None:
    for name, service in services().items():
        for dependency, how in depends_on(service).items():
            if how.get("condition") == "service_healthy":
                assert "healthcheck" in services()[dependency], f"{name} waits for {dependency}"


def test_each_role_runs_its_streamfleet_command() -> None:
    for name, command in ROLES.items():
        assert services()[name]["command"] == command
        assert is_streamfleet_command(command), command


def test_the_command_check_knows_the_cli_and_refuses_other_commands() -> None:
    assert is_streamfleet_command(["db", "upgrade"])
    assert not is_streamfleet_command(["db", "migrate"])
    assert not is_streamfleet_command(["upgrade"])
    assert is_streamfleet_command(["worker"])
    assert is_streamfleet_command(["worker", "drain", "--self"])
    assert not is_streamfleet_command(["worker", "drain", "--all"])
    assert not is_streamfleet_command(["serve", "--workers=2"])


def test_api_and_workers_run_replicated() -> None:
    for name, replicas in REPLICAS.items():
        assert services()[name]["deploy"]["replicas"] == replicas
        assert "container_name" not in services()[name]


def test_api_and_workers_start_after_the_migration_redis_and_the_database() -> None:
    assert services()["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        waits = depends_on(services()[name])
        assert waits["migrate"]["condition"] == "service_completed_successfully"
        assert waits["redis"]["condition"] == "service_healthy"
        for database in DATABASES:
            # Only the active profile's database runs: the other is not required.
            assert waits[database] == {"condition": "service_healthy", "required": False}
    for database in DATABASES:
        assert depends_on(services()["migrate"])[database]["condition"] == "service_healthy"


def test_postgresql_is_the_default_database_and_mysql_a_profile() -> None:
    assert services()["postgres"]["profiles"] == ["postgres"]
    assert services()["mariadb"]["profiles"] == ["mysql"]
    assert "COMPOSE_PROFILES=postgres\n" in ENV_EXAMPLE.read_text()
    url = environment(services()["api"])["STREAMFLEET_DATABASE_URL"]
    assert "postgresql+asyncpg://" in url
    assert "@postgres:5432/" in url


def test_the_media_volume_is_shared_by_nginx_api_and_workers() -> None:
    assert "media" in compose()["volumes"]
    for name in ("migrate", "api", "worker"):
        service = services()[name]
        data_dir = environment(service)["STREAMFLEET_DATA_DIR"]
        assert volume_targets(service)["media"] == data_dir
    nginx = services()["nginx"]
    media_root = environment(nginx)["STREAMFLEET_MEDIA_ROOT"]
    assert volume_targets(nginx)["media"] == f"{media_root}:ro"
    assert environment(nginx)["STREAMFLEET_API_UPSTREAM"] == "api:8080"


def test_nginx_is_given_every_variable_its_template_names() -> None:
    assert template_names(TEMPLATE.read_text()) <= set(environment(services()["nginx"]))
    assert template_names(RTMP_TEMPLATE.read_text()) <= set(environment(services()["nginx"]))


def test_each_worker_keeps_its_own_run_directory() -> None:
    (tmpfs,) = services()["worker"]["tmpfs"]
    data_dir = environment(services()["worker"])["STREAMFLEET_DATA_DIR"]
    assert tmpfs.startswith(f"{data_dir}/run:uid=10001,")


def test_prometheus_scrapes_the_compose_services_by_their_names_and_ports() -> None:
    jobs = {job["job_name"]: job for job in yaml.safe_load(PROMETHEUS_CONFIG.read_text())[
        "scrape_configs"
    ]}  # fmt: skip
    for job, service in (("streamfleet-api", "api"), ("streamfleet-worker", "worker")):
        (discovery,) = jobs[job]["dns_sd_configs"]
        assert discovery["names"] == [service]
        assert discovery["port"] == int(environment(services()[service])["STREAMFLEET_PORT"])
    (node,) = jobs["node"]["static_configs"]
    host, port = node["targets"][0].split(":")
    assert "monitoring" in services()[host]["profiles"]
    assert port == "9100"
    prometheus = volume_targets(services()["prometheus"])
    # rule_files names alerts.yml relative to the configuration's directory.
    assert prometheus["./prometheus/prometheus.yml"] == "/etc/prometheus/prometheus.yml:ro"
    assert prometheus["./prometheus/alerts.yml"] == "/etc/prometheus/alerts.yml:ro"


def test_grafana_is_provisioned_with_prometheus_and_the_shipped_dashboard() -> None:
    grafana = services()["grafana"]
    mounts = volume_targets(grafana)
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning:ro"
    (provider,) = yaml.safe_load(
        (GRAFANA_PROVISIONING / "dashboards" / "streamfleet.yaml").read_text()
    )["providers"]
    dashboard = mounts["./grafana/streamfleet.json"].removesuffix(":ro")
    assert Path(dashboard).parent == Path(provider["options"]["path"])
    assert (DEPLOY / "grafana" / "streamfleet.json").is_file()
    (source,) = yaml.safe_load(
        (GRAFANA_PROVISIONING / "datasources" / "prometheus.yaml").read_text()
    )["datasources"]
    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"
    assert "monitoring" in services()["prometheus"]["profiles"]
    assert "monitoring" in grafana["profiles"]


def test_env_example_documents_every_variable_the_compose_file_reads() -> None:
    read = set(INTERPOLATION_RE.findall(COMPOSE.read_text()))
    documented = set(ENV_LINE_RE.findall(ENV_EXAMPLE.read_text()))
    assert sorted(read - documented) == []


@pytest.mark.parametrize("path", [COMPOSE, ENV_EXAMPLE], ids=lambda p: p.name)
def test_every_streamfleet_variable_named_is_a_setting(path: Path) -> None:
    assert unknown_variables(path.read_text()) == []
