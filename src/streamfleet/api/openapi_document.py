"""The app's OpenAPI document: FastAPI's, with the contract of ``api/openapi_contract.py``.

``install_openapi(app)`` replaces ``app.openapi`` by ``contract_openapi``, which takes
the generated document once and then, for every operation:

* sets its one tag (the operation id's resource);
* declares 401 and 403 unless the path is anonymous, 404 on ``{id}`` routes, 409 where
  a conflict can occur, 400/413 where a JSON body / any body is read, 415 where the body
  must be JSON, 422 where anything is read, and 503 where the database or the engine
  is needed;
* answers every 4xx and 5xx with ``application/problem+json`` ``Problem``, and drops
  FastAPI's ``HTTPValidationError`` and ``ValidationError`` components;
* and marks every field of a schema only answers use as required (FastAPI sends them all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from streamfleet.api import deps
from streamfleet.api.errors import PROBLEM_MEDIA_TYPE
from streamfleet.api.openapi_contract import (
    CONFLICT_OPERATIONS,
    NOT_FOUND_BY_QUERY,
    STATUS_DESCRIPTIONS,
    is_anonymous,
    resource_of,
)
from streamfleet.api.routes import alerts_deps
from streamfleet.api.schemas.problem import Problem

SCHEMA_PREFIX: Final = "#/components/schemas/"
PROBLEM_REF: Final = SCHEMA_PREFIX + "Problem"
FASTAPI_ERROR_SCHEMAS: Final = ("HTTPValidationError", "ValidationError")
METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NEEDS_SERVICES: Final[frozenset[Callable[..., Any]]] = frozenset(
    {
        deps.get_database,
        deps.get_channels,
        deps.get_events,
        deps.require_engine,
        alerts_deps.require_alert_service,
        alerts_deps.get_alert_repository,
        alerts_deps.get_target_repository,
        alerts_deps.get_outbox_repository,
    }
)
"""Dependencies that reach the database or the engine (so the route may answer 503)."""


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = contract_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def contract_openapi(app: FastAPI) -> dict[str, Any]:
    """The document of ``app``'s routes with every response it can give declared."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        separate_input_output_schemas=app.separate_input_output_schemas,
    )
    routes = {
        context.unique_id: context.dependant
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.include_in_schema
    }
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                _apply_contract(path, method, operation, routes[operation["operationId"]])
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_ERROR_SCHEMAS:
        schemas.pop(name, None)
    _require_every_answer_field(document)  # not Problem's: instance and errors are optional
    schemas.update(_problem_schemas())
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document


def _apply_contract(
    path: str, method: str, operation: dict[str, Any], dependant: Dependant
) -> None:
    operation["tags"] = [resource_of(operation["operationId"])]
    responses: dict[str, Any] = operation.setdefault("responses", {})
    implied = _error_statuses(path, operation, dependant) if method != "options" else set()
    if method == "options" and "{" in path:  # a CORS preflight: 204, or 404 off every route
        implied = {404}  # (a path parameter holding a line break matches no route)
    for status in sorted(implied):
        responses.setdefault(str(status), {"description": STATUS_DESCRIPTIONS[status]})
    for code, response in responses.items():
        if code[0] in "45":
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
    operation["responses"] = dict(sorted(responses.items()))


def _error_statuses(path: str, operation: dict[str, Any], dependant: Dependant) -> set[int]:
    operation_id = operation["operationId"]
    body = operation.get("requestBody", {}).get("content", {})
    calls = set(_calls(dependant))
    statuses: set[int] = set()
    if not is_anonymous(path):
        statuses |= {401, 403, 503}
    if "{" in path or operation_id in NOT_FOUND_BY_QUERY:
        statuses.add(404)
    if operation_id in CONFLICT_OPERATIONS:
        statuses.add(409)
    if body:
        statuses |= {413, 422}
    if "application/json" in body:
        statuses.add(400)
    if deps.require_json in calls:
        statuses.add(415)
    if operation.get("parameters"):
        statuses.add(422)
    if calls & NEEDS_SERVICES:
        statuses.add(503)
    return statuses


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _require_every_answer_field(document: dict[str, Any]) -> None:
    """Mark every property of a schema only answers use as required: FastAPI sends each one.

    Pydantic leaves fields with a default out of ``required``; a client generated from the
    document would then treat ``ImportResult.warnings`` as maybe absent."""
    schemas = document["components"]["schemas"]
    read: set[str] = set()
    answered: set[str] = set()
    for item in document["paths"].values():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                _refs(schemas, [operation.get("parameters"), operation.get("requestBody")], read)
                _refs(schemas, [operation.get("responses")], answered)
    for name in answered - read:
        schema = schemas.get(name)
        if schema is not None and "properties" in schema:
            schema["required"] = list(schema["properties"])


def _refs(schemas: dict[str, Any], nodes: list[Any], found: set[str]) -> None:
    """Add the names of the component schemas ``nodes`` refer to, directly or not."""
    while nodes:
        node = nodes.pop()
        if isinstance(node, list):
            nodes.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
                name = ref.removeprefix(SCHEMA_PREFIX)
                if name not in found:
                    found.add(name)
                    nodes.append(schemas.get(name))
            nodes.extend(node.values())


def _problem_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = schema.pop("$defs", {})
    return {"Problem": schema, **nested}
