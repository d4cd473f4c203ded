"""What the API promises in its OpenAPI document, decided in one place.

* Operation id = the route function's name, ``<resource>_<verb>`` (``channels_list``),
  and the operation's one tag is that resource (``channels``).
* Anonymous routes (no credentials asked) are ``ANONYMOUS_PATHS`` and everything under
  ``ANONYMOUS_PREFIXES``; every other operation may answer 401 and 403.
* Every 4xx and 5xx answer is ``application/problem+json`` with the ``Problem`` schema
  (``api/schemas/problem.py``); ``api/openapi_document.py`` applies these rules to the
  document FastAPI generates.
"""

from __future__ import annotations

from typing import Final

from fastapi.routing import APIRoute

ANONYMOUS_PATHS: Final = frozenset(
    {"/healthz", "/readyz", "/metrics", "/api/v1/auth/login", "/api/v1/auth/token"}
)
"""Paths anyone may call: probes, the scrape endpoint, and the ways to get credentials."""
ANONYMOUS_PREFIXES: Final = ("/hls/", "/thumbs/")
"""Media anyone may fetch (while signed playback is off)."""

CONFLICT_OPERATIONS: Final = frozenset(
    {
        "channels_create",  # slug or listen_port taken
        "channels_update",
        "channels_import",
        "channels_start",  # the engine is stopping
        "channels_stop",
        "channels_restart",
        "targets_create",  # name taken
        "targets_update",
        "outbox_retry",  # the notification has not failed
    }
)
"""Operations that may answer 409 (``Conflict``, ``IllegalTransition``)."""

NOT_FOUND_BY_QUERY: Final = frozenset({"incidents_export"})
"""Operations without a path id that answer 404 for an unknown id in their query."""

STATUS_DESCRIPTIONS: Final = {
    400: "The request body is not valid JSON.",
    401: "No credentials, or credentials that are invalid, expired or revoked.",
    403: "The role is too low for this operation, or the CSRF header is missing.",
    404: "No such resource.",
    409: "The request conflicts with the current state (a name taken, a state change refused).",
    413: "The request body is larger than this endpoint accepts.",
    415: "The request body is not in a format this endpoint reads.",
    422: "A value broke a rule; errors[] names each field.",
    503: "The database or the stream engine is not available.",
}


def operation_id(route: APIRoute) -> str:
    """The ``generate_unique_id_function`` of the app: the route function's name."""
    return route.name


def resource_of(operation_id: str) -> str:
    """``channels_list`` → ``channels``: the operation's tag."""
    return operation_id.split("_", 1)[0]


def is_anonymous(path: str) -> bool:
    """Whether ``path`` (a request path or an OpenAPI path template) needs no credentials."""
    return path in ANONYMOUS_PATHS or path.startswith(ANONYMOUS_PREFIXES)
