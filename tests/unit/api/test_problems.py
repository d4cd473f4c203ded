"""Problem details: field paths and the body every error answers with."""

from __future__ import annotations

import json

import pytest

from streamfleet.api.errors import PROBLEM_MEDIA_TYPE, field_of, problem
from streamfleet.domain.errors import FieldError


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("body", "input_url"), "input_url"),
        (("body", "hls", "segment_seconds"), "hls.segment_seconds"),
        (("body", "tags", 2), "tags.2"),
        (("query", "limit"), "limit"),
        (("path", "channel_id"), "channel_id"),
        (("body",), "body"),
        ((), "body"),
    ],
)
def test_pydantic_locations_become_dotted_field_paths(
    loc: tuple[str | int, ...], field: str
) -> None:
    assert field_of(loc) == field


def test_a_problem_names_status_title_detail_instance_and_each_field() -> None:
    response = problem(
        422,
        "input_url: bad",
        instance="/api/v1/channels",
        errors=[FieldError("input_url", "bad"), FieldError("name", "is required", 4)],
    )
    assert response.status_code == 422
    assert response.media_type == PROBLEM_MEDIA_TYPE
    assert json.loads(response.body) == {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "input_url: bad",
        "instance": "/api/v1/channels",
        "errors": [
            {"field": "input_url", "message": "bad", "line": None},
            {"field": "name", "message": "is required", "line": 4},
        ],
    }


def test_a_problem_without_field_errors_has_no_errors_member() -> None:
    body = json.loads(problem(404, "channel 3 does not exist").body)
    assert body["title"] == "Not Found"
    assert "errors" not in body


def test_a_lone_surrogate_echoed_from_the_request_is_replaced_not_a_failure_to_encode() -> None:
    """A YAML ``"\\ud800"`` escape in an import came back in the 422 and made it a 500."""
    response = problem(
        422, "name 'a\ud800' is bad", errors=[FieldError("tags.\udfff", "'\ud800' is bad", 2)]
    )
    body = json.loads(response.body)
    assert body["detail"] == "name 'a\ufffd' is bad"
    assert body["errors"] == [{"field": "tags.\ufffd", "message": "'\ufffd' is bad", "line": 2}]
