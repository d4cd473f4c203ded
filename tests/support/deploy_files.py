"""Reading the shipped deployment files (``deploy/``) as data for the tests that check them.

What the Compose file and the Kubernetes manifests may name is owned by the code: the
settings (``Settings``' fields, read as ``STREAMFLEET_<FIELD>``) and the CLI's commands
with their options.
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


def cli_commands() -> dict[tuple[str, ...], frozenset[str]]:
    """Every command path of ``streamfleet`` (``("db", "upgrade")``, ``("serve",)``, a group
    that runs without a subcommand such as ``("worker",)`` …) with its long options."""

    def walk(command: Any, path: tuple[str, ...]) -> dict[tuple[str, ...], frozenset[str]]:
        options = frozenset(
            o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")
        )
        # Typer carries its own click (typer._click): a group is what has subcommands.
        subcommands: dict[str, Any] | None = getattr(command, "commands", None)
        if subcommands is None:
            return {path: options}
        found = {path: options} if command.invoke_without_command else {}
        for name, sub in subcommands.items():
            found |= walk(sub, (*path, name))
        return found

    commands = walk(typer.main.get_command(app), ())
    assert ("db", "upgrade") in commands, commands
    return commands


def is_streamfleet_command(args: list[str]) -> bool:
    """``args`` (after ``streamfleet``) is a command the CLI has (the longest path that
    matches) whose ``--options`` are all that command's."""
    commands = cli_commands()
    paths = [path for path in commands if tuple(args[: len(path)]) == path]
    if not paths:
        return False
    path = max(paths, key=len)
    named = {arg.split("=", 1)[0] for arg in args[len(path) :] if arg.startswith("--")}
    return named <= commands[path]


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
