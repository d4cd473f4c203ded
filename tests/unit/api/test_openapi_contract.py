"""The OpenAPI document keeps the contract: names, one tag, every error declared as a problem."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any, Final

import pytest

from streamfleet.api.errors import PROBLEM_MEDIA_TYPE
from streamfleet.api.openapi_contract import is_anonymous
from streamfleet.api.openapi_document import METHODS
from streamfleet.api.openapi_dump import openapi_document

OPERATION_ID: Final = re.compile(r"^[a-z]+(_[a-z]+)+$")
PROBLEM_REF: Final = "#/components/schemas/Problem"
DOCUMENT: Final = openapi_document()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


OPERATIONS: Final = list(operations(DOCUMENT))
IDS: Final = [f"{method.upper()} {path}" for method, path, _ in OPERATIONS]


def test_operation_ids_read_resource_then_verb_and_are_unique() -> None:
    ids = [operation["operationId"] for _, _, operation in OPERATIONS]
    assert [i for i in ids if not OPERATION_ID.match(i)] == []
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert {"channels_list", "channels_create", "channels_get", "events_list"} <= set(ids)


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_has_one_tag_its_resource(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    assert operation["tags"] == [operation["operationId"].split("_")[0]]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_error_answer_is_a_problem(method: str, path: str, operation: dict[str, Any]) -> None:
    for status, response in operation["responses"].items():
        if status[0] in "45":
            assert response["content"] == {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}, (
                status
            )


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_but_the_anonymous_ones_declares_401_and_403(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    declared = set(operation["responses"])
    if not is_anonymous(path) and method != "options":
        assert {"401", "403"} <= declared


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_an_operation_on_one_row_declares_404_and_a_json_body_415(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    declared = set(operation["responses"])
    if "{" in path:
        assert "404" in declared
    if "application/json" in operation.get("requestBody", {}).get("content", {}):
        assert {"400", "413", "422"} <= declared


def test_fastapis_validation_error_schemas_are_gone() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    error = schemas["ProblemFieldError"]["properties"]
    assert set(error) == {"field", "message", "line"}


def test_the_anonymous_paths_are_the_probes_metrics_media_and_the_login() -> None:
    anonymous = {path for _, path, _ in OPERATIONS if is_anonymous(path)}
    assert anonymous == {
        "/healthz",
        "/readyz",
        "/metrics",
        "/hls/{path}",
        "/hls/{prefix}/archive.m3u8",
        "/hls/{prefix}/timeshift.m3u8",
        "/thumbs/{slug}.jpg",
        "/thumbs/s/{expires}/{token}/{slug}.jpg",
        "/api/v1/auth/login",
        "/api/v1/auth/token",
        "/api/v1/rtmp/on_publish",  # nginx-rtmp's hook; its shared secret is the check
    }
    assert not is_anonymous("/api/v1/auth/me")


def test_non_json_answers_are_declared_with_their_media_types() -> None:
    def media(path: str, status: str = "200") -> set[str]:
        return set(DOCUMENT["paths"][path]["get"]["responses"][status].get("content", {}))

    assert media("/hls/{path}") == {"application/vnd.apple.mpegurl", "video/mp2t", "video/mp4"}
    assert media("/thumbs/{slug}.jpg") == {"image/jpeg"}
    assert media("/metrics") == {"text/plain"}
    assert media("/api/v1/events/stream") == {"text/event-stream"}
    assert media("/api/v1/channels/export") == {"application/yaml"}
    assert media("/api/v1/incidents.csv") == {"text/csv"}
