"""Reading the shipped deployment files (``deploy/``) as data for the tests that check them.

What the Compose file and the Kubernetes manifests may name is owned by the code: the
settings (``Settings``' fields, read as ``STREAMFLEET_<FIELD>``) and the CLI's commands.
The roles ``api`` and ``worker`` (and ``worker drain --self``) are being built on another
branch; until they land they are listed in ``ROLE_COMMANDS_BUILT_ELSEWHERE``.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import typer
import yaml

from streamfleet.cli import app
from streamfleet.config import ENV_PREFIX, Settings

ROOT: Final = Path(__file__).resolve().parents[2]
DEPLOY: Final = ROOT / "deploy"
VARIABLE_RE: Final = re.compile(r"\bSTREAMFLEET_[A-Z0-9_]+\b")
NON_SETTING_VARIABLES: Final = frozenset(
    {
        # nginx's template variables (deploy/nginx/templates), not streamfleet settings.
        "STREAMFLEET_API_UPSTREAM",
        "STREAMFLEET_MEDIA_ROOT",
        # Compose's image names (deploy/.env.example).
        "STREAMFLEET_IMAGE",
        "STREAMFLEET_NGINX_IMAGE",
    }
)
ROLE_COMMANDS_BUILT_ELSEWHERE: Final = frozenset(
    {("api",), ("worker",), ("worker", "drain", "--self")}
)
"""The scale-out roles (issue 15); the files use them as that issue names them."""
KUBECTL_TIMEOUT_S: Final = 120


def yaml_documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def setting_variables() -> frozenset[str]:
    """Every environment variable a streamfleet process reads as a setting."""
    return frozenset(f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields)


def unknown_variables(text: str) -> list[str]:
    """``STREAMFLEET_*`` names in ``text`` that are neither settings nor known others."""
    names = set(VARIABLE_RE.findall(text)) - NON_SETTING_VARIABLES
    return sorted(names - setting_variables())


def cli_commands() -> set[tuple[str, ...]]:
    """Every command path of ``streamfleet`` (``("db", "upgrade")``, ``("serve",)`` …)."""

    def walk(command: Any, path: tuple[str, ...]) -> set[tuple[str, ...]]:
        # Typer carries its own click (typer._click): a group is what has subcommands.
        subcommands: dict[str, Any] | None = getattr(command, "commands", None)
        if subcommands is None:
            return {path}
        found: set[tuple[str, ...]] = set()
        for name, sub in subcommands.items():
            found |= walk(sub, (*path, name))
        return found

    commands = walk(typer.main.get_command(app), ())
    assert ("db", "upgrade") in commands, commands
    return commands


def is_streamfleet_command(args: list[str]) -> bool:
    """``args`` (after ``streamfleet``) starts with a command the CLI has, or a role's."""
    known = cli_commands() | ROLE_COMMANDS_BUILT_ELSEWHERE
    return any(tuple(args[: len(command)]) == command for command in known)


def kustomize(kubectl: str, directory: Path) -> list[dict[str, Any]]:
    """``kubectl kustomize directory``: the rendered manifests, one dict each."""
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=KUBECTL_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return yaml_documents(result.stdout)


def rule_expressions() -> list[str]:
    """Every alert rule's expression in ``deploy/prometheus/alerts.yml``."""
    document = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return [rule["expr"] for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    """Every query of the shipped Grafana dashboard: the panels' (``expr``) and the
    variables' (``query``, ``definition``)."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("expr", "query", "definition") and isinstance(value, str):
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    return list(walk(json.loads((DEPLOY / "grafana" / "streamfleet.json").read_text())))
