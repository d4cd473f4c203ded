"""Every error the API answers with, as RFC 9457 ``application/problem+json``.

The only place domain errors become HTTP statuses::

    InvalidInput          422  errors[] = one entry per broken rule (field, message, line)
    NotFound              404
    Conflict              409  errors[] names the field when known (slug, listen_port)
    IllegalTransition     409
    DatabaseUnavailable   503
    EngineUnavailable     503  no stream engine runs in this process
    NotOnThisNode         503  only a worker can answer, and none is live (an API node)
    CommandPending        202  a fleet worker has not finished the command yet: the command,
                               ``Location: /api/v1/commands/{id}`` (not a problem)
    ObjectStoreError      503  the bucket (S3_*) cannot be reached or refused the request
    BodyTooLarge          413
    Unauthenticated       401  with ``WWW-Authenticate: Bearer``
    PermissionDenied      403  errors[] names the field when known (a token's role)
    TooManyAttempts       429  with ``Retry-After`` (seconds)
    PlaybackDenied        403
    PlaybackExpired       410
    request validation    422  (400 when the body is not JSON at all)
    anything else         500  logged with its traceback, answered without details
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from streamfleet.api.schemas.commands import CommandOut
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.domain.errors import (
    Conflict,
    FieldError,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PlaybackDenied,
    PlaybackExpired,
    StreamfleetError,
    TooManyAttempts,
    Unauthenticated,
)
from streamfleet.domain.text import without_surrogates
from streamfleet.engine.control import CommandPending, NotOnThisNode
from streamfleet.storage.object_store import ObjectStoreError

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
_REQUEST_PARTS: Final = ("body", "query", "path", "header", "cookie")
_TITLES: Final = {413: "Content Too Large", 422: "Unprocessable Content"}
"""RFC 9110 names where Python's ``HTTPStatus`` still has the older ones."""

log = structlog.get_logger()


class EngineUnavailable(StreamfleetError):
    """The request needs the stream engine, and none runs in this process."""


class BodyTooLarge(StarletteHTTPException):
    """413. An ``HTTPException`` so that FastAPI's body reader lets it through unchanged."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(413, f"request body is larger than {limit_bytes} bytes")


class UnsupportedMediaType(StreamfleetError):
    """The request body is not in a format this endpoint reads."""


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response; ``errors`` become ``[{field, message, line}]``.

    A value echoed from the request may hold a lone surrogate (a YAML or JSON escape):
    it is replaced, or the answer could not be encoded."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status) or HTTPStatus(status).phrase,
        "status": status,
        "detail": without_surrogates(detail),
    }
    if instance is not None:
        body["instance"] = without_surrogates(instance)
    if errors is not None:
        body["errors"] = [
            {
                "field": without_surrogates(e.field),
                "message": without_surrogates(e.message),
                "line": e.line,
            }
            for e in errors
        ]
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers) if headers else None,
    )


def field_of(loc: Sequence[int | str]) -> str:
    """Pydantic's ``("body", "hls", "list_size")`` as the dotted field ``hls.list_size``."""
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in _REQUEST_PARTS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InvalidInput, _invalid_input)
    app.add_exception_handler(NotFound, _simple(404))
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(IllegalTransition, _simple(409))
    app.add_exception_handler(DatabaseUnavailable, _simple(503))
    app.add_exception_handler(EngineUnavailable, _simple(503))
    app.add_exception_handler(NotOnThisNode, _simple(503))
    app.add_exception_handler(CommandPending, _command_pending)
    app.add_exception_handler(ObjectStoreError, _simple(503))
    app.add_exception_handler(UnsupportedMediaType, _simple(415))
    for access_error in (Unauthenticated, PermissionDenied, TooManyAttempts):
        app.add_exception_handler(access_error, _access_refused)
    app.add_exception_handler(PlaybackDenied, _simple(403))
    app.add_exception_handler(PlaybackExpired, _simple(410))
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)


def access_problem(
    exc: Unauthenticated | PermissionDenied | TooManyAttempts | DatabaseUnavailable, path: str
) -> JSONResponse:
    """The answer to a request the access check refused (also used by ``api/access.py``)."""
    if isinstance(exc, Unauthenticated):
        return problem(401, str(exc), instance=path, headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, PermissionDenied):
        errors = [FieldError(exc.field, str(exc))] if exc.field else None
        return problem(403, str(exc), instance=path, errors=errors)
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after_s)}
        return problem(429, str(exc), instance=path, headers=headers)
    return problem(503, str(exc), instance=path)


async def _command_pending(request: Request, exc: Exception) -> JSONResponse:
    """Not an error: the work goes on in a worker; the answer says where to follow it."""
    assert isinstance(exc, CommandPending)
    body = CommandOut.of(exc.command).model_dump(mode="json")
    headers = {"Location": f"/api/v1/commands/{exc.command.id}"}
    return JSONResponse(body, status_code=202, headers=headers)


async def _access_refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unauthenticated | PermissionDenied | TooManyAttempts)
    return access_problem(exc, request.url.path)


async def _invalid_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput)
    return problem(422, exc.detail, instance=request.url.path, errors=exc.errors)


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Conflict)
    errors = [FieldError(exc.field, exc.message)] if exc.field else None
    return problem(409, exc.message, instance=request.url.path, errors=errors)


def _simple(status: int) -> Any:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return problem(status, str(exc), instance=request.url.path)

    return handler


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw_errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw_errors):
        return problem(400, "the request body is not valid JSON", instance=request.url.path)
    errors = [FieldError(field_of(e.get("loc", ())), _message(e)) for e in raw_errors]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem(422, detail, instance=request.url.path, errors=errors)


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "missing":
        return "is required"
    if error.get("type") == "extra_forbidden":
        return "is not a known field"
    return str(error.get("msg", "is not valid"))


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(exc.status_code, detail, instance=request.url.path, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("api.unexpected_error", path=request.url.path, exc_info=exc)
    return problem(500, "internal error; see the server log", instance=request.url.path)
