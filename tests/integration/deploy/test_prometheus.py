"""The shipped Prometheus files are valid, every alert rule has a unit test, and they pass."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from tests.support.deploy_files import dashboard_expressions, rule_expressions
from tests.support.tools import require_tool

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS = ROOT / "deploy" / "prometheus"
CONFIG = PROMETHEUS / "prometheus.yml"
RULES = PROMETHEUS / "alerts.yml"
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
DASHBOARD = ROOT / "deploy" / "grafana" / "streamfleet.json"
PROMTOOL_TIMEOUT_S = 120
JOB_MATCHER_RE = re.compile(r'\bjob\s*(=~|=)\s*"([^"]*)"')


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = require_tool("promtool", "the Debian package prometheus")
    return subprocess.run(
        [tool, *args], capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT_S, check=False
    )


def alert_names() -> list[str]:
    document = yaml.safe_load(RULES.read_text())
    return [rule["alert"] for group in document["groups"] for rule in group["rules"]]


def scrape_jobs() -> set[str]:
    return {job["job_name"] for job in yaml.safe_load(CONFIG.read_text())["scrape_configs"]}


def job_matchers(expressions: list[str]) -> list[tuple[str, str]]:
    return [m for e in expressions for m in JOB_MATCHER_RE.findall(e)]


def matches(operator: str, value: str, job: str) -> bool:
    return re.fullmatch(value, job) is not None if operator == "=~" else value == job


def test_promtool_accepts_the_scrape_config_and_its_rule_file() -> None:
    result = promtool("check", "config", str(CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout + result.stderr


def test_promtool_accepts_the_alert_rules() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_names())} rules found" in result.stdout + result.stderr


def test_every_alert_rule_passes_its_promtool_unit_tests() -> None:
    assert RULE_TESTS, "deploy/prometheus/tests/ holds no rule tests"
    result = promtool("test", "rules", *(str(p) for p in RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_rule_has_a_unit_test_case() -> None:
    tested = {
        case["alertname"]
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    }
    assert sorted(set(alert_names()) - tested) == []


def test_every_job_the_rules_and_dashboard_match_is_scraped() -> None:
    """A job matcher no scrape job satisfies is an alert that can never fire."""
    jobs = scrape_jobs()
    matchers = job_matchers(rule_expressions() + dashboard_expressions())
    assert matchers, "no job matcher found: the regex no longer reads the files"
    dead = [(op, value) for op, value in matchers if not any(matches(op, value, j) for j in jobs)]
    assert dead == []


def test_the_engine_alert_watches_serve_and_workers_but_not_api_processes() -> None:
    (expression,) = [e for e in rule_expressions() if "streamfleet_engine_up" in e]
    (operator, value), *_ = job_matchers([expression])
    assert matches(operator, value, "streamfleet-worker")
    assert matches(operator, value, "streamfleet-serve")
    assert not matches(operator, value, "streamfleet-api")
    assert {"streamfleet-serve", "streamfleet-api", "streamfleet-worker"} <= scrape_jobs()


def test_the_grafana_dashboard_is_valid_json_with_queries() -> None:
    document = json.loads(DASHBOARD.read_text())
    assert document["title"]
    assert len(dashboard_expressions()) >= 10
