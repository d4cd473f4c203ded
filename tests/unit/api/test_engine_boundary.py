"""The API knows the engine only through ``EngineControl``: on a fleet it is another process."""

from __future__ import annotations

import ast
from pathlib import Path

import streamfleet

API_DIR = Path(streamfleet.__file__).parent / "api"
ALLOWED = {"streamfleet.engine.control"}
"""What any module of ``api/`` may import of the engine."""
BUILDER = "streamfleet.engine.builder"
WIRING = {"app.py"}
"""The app wiring may also import the one module that builds an engine."""
ENGINE_PARTS = {"thumbnailer", "supervisor", "spawner", "runner"}


def engine_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if n == "streamfleet.engine" or n.startswith("streamfleet.engine.")}


def reached_engine_parts(path: Path) -> set[str]:
    """Attribute names of engine internals the module reads (``x.thumbnailer``, ``getattr``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in ENGINE_PARTS:
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and node.value in ENGINE_PARTS:
            found.add(str(node.value))
    return found


def api_modules() -> list[Path]:
    modules = sorted(API_DIR.rglob("*.py"))
    assert len(modules) > 10
    return modules


def test_no_api_module_imports_more_of_the_engine_than_its_control_protocol() -> None:
    offenders: dict[str, set[str]] = {}
    for path in api_modules():
        allowed = ALLOWED | ({BUILDER} if path.name in WIRING else set())
        extra = {
            name
            for name in engine_imports(path)
            if not any(name == a or name.startswith(f"{a}.") for a in allowed)
        }
        if extra:
            offenders[str(path.relative_to(API_DIR))] = extra
    assert offenders == {}


def test_no_api_module_reaches_into_the_engines_parts() -> None:
    offenders = {
        str(path.relative_to(API_DIR)): parts
        for path in api_modules()
        if (parts := reached_engine_parts(path))
    }
    assert offenders == {}
