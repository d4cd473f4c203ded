"""What the API promises in its OpenAPI document, decided in one place.

* Operation id = the route function's name, ``<resource>_<verb>`` (``channels_list``),
  and the operation's one tag is that resource (``channels``).
* Anonymous routes (no credentials asked) are those the access table (``api/access.py``)
  opens to anyone; every other operation may answer 401 and 403 (an anonymous one declares
  them itself where its own rules give them: a wrong password, a wrong playback token).
* Every 4xx and 5xx answer is ``application/problem+json`` with the ``Problem`` schema
  (``api/schemas/problem.py``); ``api/openapi_document.py`` applies these rules to the
  document FastAPI generates.
"""

from __future__ import annotations

import re
from typing import Final

from fastapi.routing import APIRoute

from streamfleet.api.access import POLICY

_CONVERTER: Final = re.compile(r"\{(\w+):\w+\}")
ANONYMOUS_TEMPLATES: Final = frozenset(
    _CONVERTER.sub(r"{\1}", template) for (_, template), role in POLICY.items() if role is None
)
"""OpenAPI path templates (``/hls/{path}``, without Starlette's converters) open to anyone."""

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
        "users_create",  # username taken
        "users_update",  # the last enabled admin demoted or disabled
        "tokens_create",  # the token could not be stored (a hash collision: retry)
        "exports_download",  # the export is not done
        "locks_create",  # the channel has its maximum of locks
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
    """Whether the OpenAPI path template ``path`` needs no credentials (``api/access.py``)."""
    return path in ANONYMOUS_TEMPLATES
