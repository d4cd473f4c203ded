"""ASGI middleware that authenticates every request and applies ``api/access.py``'s table.

It finds the route the router will pick (the same first full match), looks up
its row, and for anything but an open route reads the credentials:

* ``Authorization: Bearer <token>`` (an API token), else
* the ``sf_session`` cookie; then every POST/PUT/PATCH/DELETE must carry
  ``X-CSRF-Token`` equal to the session's CSRF token (the ``sf_csrf`` cookie), else
* on the WebSocket only, ``?access_token=<token>``.

Missing or bad credentials: 401 (``WWW-Authenticate: Bearer``); a role too low,
a missing CSRF token or a foreign ``Origin`` on the live feed: 403. A refused
WebSocket is closed before the handshake completes (HTTP 403, close code 1008).
The caller lands in ``scope["state"]["principal"]`` (``request.state.principal``).
Requests for paths that no route matches pass through to the router's 404/405.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit

import structlog
from fastapi.routing import iter_route_contexts
from starlette.datastructures import QueryParams
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute, Mount, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from streamfleet.accounts.credentials import csrf_token, same_secret
from streamfleet.accounts.principal import Principal
from streamfleet.accounts.service import AccountService
from streamfleet.api.access import (
    ORIGIN_CHECKED,
    QUERY_TOKEN_ALLOWED,
    SAFE_METHODS,
    minimum_role,
)
from streamfleet.api.errors import access_problem
from streamfleet.config import Settings
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.domain.errors import PermissionDenied, Unauthenticated

SESSION_COOKIE: Final = "sf_session"
CSRF_COOKIE: Final = "sf_csrf"
CSRF_HEADER: Final = "x-csrf-token"
CLOSE_POLICY_VIOLATION: Final = 1008
METRICS_PATH: Final = "/metrics"

log = structlog.get_logger()

Refusal = Unauthenticated | PermissionDenied | DatabaseUnavailable


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """One route as the table sees it: its path template, methods and path pattern."""

    template: str
    methods: frozenset[str]
    pattern: re.Pattern[str]


def route_entries(routes: Sequence[BaseRoute]) -> list[RouteEntry]:
    """Every route of the app in the router's order (included routers flattened)."""
    entries = []
    for context in iter_route_contexts(routes):
        template = context.path
        if template is None:
            continue
        methods = context.methods
        pattern_of = template + "/{path:path}" if isinstance(context.route, Mount) else template
        pattern, _format, _convertors = compile_path(pattern_of)
        entries.append(RouteEntry(template, frozenset(methods or {"WS"}), pattern))
    return entries


def route_template(entries: Sequence[RouteEntry], method: str, path: str) -> str | None:
    """The template of the route the router will pick (``None``: it will answer 404/405)."""
    for entry in entries:
        if method in entry.methods and entry.pattern.match(path):
            return entry.template
    return None


class AccessControl:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._entries: list[RouteEntry] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = "WS" if scope["type"] == "websocket" else scope["method"]
        if self._entries is None:  # the routes are all there once requests arrive
            self._entries = route_entries(scope["app"].router.routes)
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        template = route_template(self._entries, method, path)
        if template is None:
            await self.app(scope, receive, send)
            return
        try:
            principal = await self._check(scope, method, template)
        except (Unauthenticated, PermissionDenied, DatabaseUnavailable) as exc:
            await _refuse(scope, receive, send, exc)
            return
        if principal is not None:
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    async def _check(self, scope: Scope, method: str, template: str) -> Principal | None:
        known, minimum = minimum_role(method, template)
        if not known:
            log.error("access.no_rule", method=method, route=template)
            raise PermissionDenied("this route has no access rule")
        connection = HTTPConnection(scope)
        if minimum is None:
            if template == METRICS_PATH:
                _check_metrics_token(connection)
            return None
        accounts: AccountService | None = getattr(scope["app"].state, "accounts", None)
        if accounts is None:
            raise DatabaseUnavailable("the server is starting; try again")
        principal = await authenticate(
            connection, accounts, query_token=(method, template) in QUERY_TOKEN_ALLOWED
        )
        if (method, template) in ORIGIN_CHECKED:
            _check_origin(connection)
        if not principal.role.at_least(minimum):
            raise PermissionDenied(f"this needs the {minimum.value} role")
        return principal


async def authenticate(
    connection: HTTPConnection, accounts: AccountService, *, query_token: bool = False
) -> Principal:
    """The caller, from a bearer token, the session cookie (with its CSRF check) or the query."""
    authorization = connection.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        principal = None
        if scheme.lower() == "bearer":
            principal = await accounts.token_principal(token.strip())
        if principal is None:
            raise Unauthenticated("the bearer token is not valid (expired or revoked?)")
        return principal
    session = connection.cookies.get(SESSION_COOKIE)
    if session:
        principal = await accounts.session_principal(session)
        if principal is None:
            raise Unauthenticated("the session has ended; log in again")
        if connection.scope["type"] == "http" and connection.scope["method"] not in SAFE_METHODS:
            sent = connection.headers.get(CSRF_HEADER, "")
            if not sent or not same_secret(sent, csrf_token(session)):
                raise PermissionDenied(
                    f"send the {CSRF_COOKIE} cookie's value in the X-CSRF-Token header"
                )
        return principal
    if query_token:
        query_value = QueryParams(connection.scope.get("query_string", b"")).get("access_token")
        if query_value:
            principal = await accounts.token_principal(query_value)
            if principal is None:
                raise Unauthenticated("the access token is not valid (expired or revoked?)")
            return principal
    raise Unauthenticated("log in, or send Authorization: Bearer <token>")


def _check_origin(connection: HTTPConnection) -> None:
    """A browser page from another site may not open the live feed with our credentials.

    The ``Origin`` must name the host of the ``Host`` header, and its port too when the
    ``Host`` header has one (a proxy may pass on the host name alone, as nginx's ``$host``).
    """
    origin = connection.headers.get("origin")
    if origin is None:
        return
    try:
        origin_parts = urlsplit(origin)
        host_parts = urlsplit("//" + connection.headers.get("host", ""))
        same = (
            origin_parts.hostname is not None
            and origin_parts.hostname == host_parts.hostname
            and (host_parts.port is None or _port(origin_parts) == host_parts.port)
        )
    except ValueError:
        same = False
    if not same:
        raise PermissionDenied("the Origin header does not name this server")


def _port(parts: SplitResult) -> int | None:
    if parts.port is not None:
        return parts.port
    return {"http": 80, "https": 443}.get(parts.scheme)


def _check_metrics_token(connection: HTTPConnection) -> None:
    settings: Settings = connection.app.state.settings
    if settings.metrics_token is None:
        return
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value()
    if scheme.lower() != "bearer" or not same_secret(token.strip(), expected):
        raise Unauthenticated("/metrics needs the metrics bearer token")


async def _refuse(scope: Scope, receive: Receive, send: Send, exc: Refusal) -> None:
    if scope["type"] == "websocket":
        await send(
            {"type": "websocket.close", "code": CLOSE_POLICY_VIOLATION, "reason": str(exc)[:120]}
        )
        return
    response = access_problem(exc, scope.get("path", ""))
    await response(scope, receive, send)
