"""The permission matrix: every route of the app called as anonymous, viewer, operator and admin.

``MATRIX`` is the spec, written out apart from ``api/access.py``: the lowest
role each route allows (``-`` = anyone). "Allowed" means the answer is neither
401 nor 403 (a 404 for a made-up id, a 422 for an empty body or a 503 without
an engine all show that the access check let the request through). A route of
the app without a row here fails the test. The WebSocket is called in
``test_auth_live.py``.
"""

from __future__ import annotations

import re

import httpx

from streamfleet.api.access_control import route_entries
from streamfleet.domain.roles import Role
from tests.support.server import ApiClient

A, OP, V, ANY = "admin", "operator", "viewer", "-"

MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): ANY,
    ("GET", "/readyz"): ANY,
    ("POST", "/api/v1/auth/login"): ANY,
    ("POST", "/api/v1/auth/token"): ANY,
    ("GET", "/metrics"): ANY,
    ("GET", "/hls/{path:path}"): ANY,
    ("HEAD", "/hls/{path:path}"): ANY,
    ("OPTIONS", "/hls/{path:path}"): ANY,
    ("GET", "/hls/{prefix:path}/archive.m3u8"): ANY,
    ("GET", "/hls/{prefix:path}/timeshift.m3u8"): ANY,
    ("GET", "/thumbs/{slug}.jpg"): ANY,
    ("HEAD", "/thumbs/{slug}.jpg"): ANY,
    ("GET", "/thumbs/s/{expires}/{token}/{slug}.jpg"): ANY,
    ("HEAD", "/thumbs/s/{expires}/{token}/{slug}.jpg"): ANY,
    ("GET", "/{path:path}"): ANY,
    ("GET", "/api/openapi.json"): V,
    ("HEAD", "/api/openapi.json"): V,
    ("GET", "/api/docs"): V,
    ("HEAD", "/api/docs"): V,
    ("GET", "/docs/oauth2-redirect"): V,
    ("HEAD", "/docs/oauth2-redirect"): V,
    ("POST", "/api/v1/auth/logout"): V,
    ("GET", "/api/v1/auth/me"): V,
    ("GET", "/api/v1/users"): A,
    ("POST", "/api/v1/users"): A,
    ("PATCH", "/api/v1/users/{user_id}"): A,
    ("GET", "/api/v1/tokens"): V,
    ("POST", "/api/v1/tokens"): V,
    ("DELETE", "/api/v1/tokens/{token_id}"): V,
    ("GET", "/api/v1/audit"): A,
    ("GET", "/api/v1/channels"): V,
    ("POST", "/api/v1/channels"): OP,
    ("GET", "/api/v1/channels/export"): OP,
    ("POST", "/api/v1/channels/import"): OP,
    ("GET", "/api/v1/channels/{channel_id}"): V,
    ("PATCH", "/api/v1/channels/{channel_id}"): OP,
    ("DELETE", "/api/v1/channels/{channel_id}"): OP,
    ("POST", "/api/v1/channels/{channel_id}/start"): OP,
    ("POST", "/api/v1/channels/{channel_id}/stop"): OP,
    ("POST", "/api/v1/channels/{channel_id}/restart"): OP,
    ("GET", "/api/v1/channels/{channel_id}/source"): OP,
    ("GET", "/api/v1/channels/{channel_id}/log"): V,
    ("GET", "/api/v1/channels/{channel_id}/events"): V,
    ("GET", "/api/v1/commands/{command_id}"): V,
    ("GET", "/api/v1/channels/{channel_id}/uptime"): V,
    ("GET", "/api/v1/channels/{channel_id}/recordings"): V,
    ("GET", "/api/v1/channels/{channel_id}/recordings/locks"): V,
    ("POST", "/api/v1/channels/{channel_id}/recordings/locks"): OP,
    ("DELETE", "/api/v1/channels/{channel_id}/recordings/locks/{lock_id}"): OP,
    ("POST", "/api/v1/channels/{channel_id}/exports"): OP,
    ("GET", "/api/v1/exports"): V,
    ("GET", "/api/v1/exports/{export_id}"): V,
    ("GET", "/api/v1/exports/{export_id}/download"): V,
    ("GET", "/api/v1/profiles"): V,
    ("POST", "/api/v1/probe"): OP,
    ("GET", "/api/v1/events"): V,
    ("WS", "/api/v1/ws"): V,
    ("GET", "/api/v1/events/stream"): V,
    ("GET", "/api/v1/alerts"): V,
    ("GET", "/api/v1/alerts/rules"): V,
    ("GET", "/api/v1/alerts/{alert_id}"): V,
    ("POST", "/api/v1/alerts/{alert_id}/ack"): OP,
    ("GET", "/api/v1/targets"): V,
    ("POST", "/api/v1/targets"): OP,
    ("GET", "/api/v1/targets/{target_id}"): V,
    ("PATCH", "/api/v1/targets/{target_id}"): OP,
    ("DELETE", "/api/v1/targets/{target_id}"): OP,
    ("POST", "/api/v1/targets/{target_id}/test"): OP,
    ("GET", "/api/v1/outbox"): V,
    ("GET", "/api/v1/outbox/{notification_id}"): V,
    ("POST", "/api/v1/outbox/{notification_id}/retry"): OP,
    ("GET", "/api/v1/uptime"): V,
    ("GET", "/api/v1/incidents.csv"): V,
    ("GET", "/api/v1/backups"): A,
    ("POST", "/api/v1/channels/{channel_id}/stream_key"): OP,
    ("POST", "/api/v1/rtmp/on_publish"): ANY,  # nginx-rtmp's hook: its shared secret decides
    ("GET", "/api/v1/workers"): V,
    ("POST", "/api/v1/workers/{worker_id}/drain"): OP,
}

CALLERS = (ANY, V, OP, A)
NOT_OVER_HTTP = {("WS", "/api/v1/ws"), ("GET", "/api/v1/events/stream")}
"""Called in test_auth_live.py (an endless stream, a WebSocket: they need a real server)."""


def _concrete(template: str) -> str:
    path = template.replace("{path:path}", "x/index.m3u8").replace("{slug}", "x")
    path = path.replace("{prefix:path}", "x")
    path = path.replace("{expires}", "4102444800").replace("{token}", "A" * 22)  # well formed
    return re.sub(r"\{[a-z_]+\}", "999999", path)


async def _passed_access_control(client: httpx.AsyncClient, answer: httpx.Response) -> bool:
    """Not refused for who the caller is: a signed media path's own 403 (a made-up token
    is wrong for everyone) and the RTMP hook's (no hook secret here) come after access
    control let the request through."""
    if answer.status_code == 403:
        if answer.request.method == "HEAD":  # no body to read: the same request as GET
            answer = await client.get(answer.request.url)
        detail = answer.json().get("detail", "")
        return "playback" in detail or "hook secret" in detail
    return answer.status_code != 401


def _expected_allowed(minimum: str, caller: str) -> bool:
    return minimum == ANY or (caller != ANY and Role(caller) >= Role(minimum))


async def test_every_route_has_a_row_in_the_matrix(api: ApiClient) -> None:
    routes = {(m, e.template) for e in route_entries(api.app.router.routes) for m in e.methods}
    missing = sorted(routes - set(MATRIX))
    assert missing == [], f"routes of the app without a row in the permission matrix: {missing}"


async def test_each_caller_gets_exactly_the_routes_its_role_allows(api: ApiClient) -> None:
    clients = {
        ANY: api.anonymous(),
        V: await api.as_role(Role.VIEWER),
        OP: await api.as_role(Role.OPERATOR),
        A: await api.as_role(Role.ADMIN),
    }
    app_routes = {(m, e.template) for e in route_entries(api.app.router.routes) for m in e.methods}
    wrong = []
    for (method, template), minimum in sorted(MATRIX.items()):
        if (method, template) in NOT_OVER_HTTP or (method, template) not in app_routes:
            continue
        for caller in CALLERS:
            kwargs = {"json": {}} if method in ("POST", "PATCH") else {}
            answer = await clients[caller].request(method, _concrete(template), **kwargs)
            allowed = await _passed_access_control(clients[caller], answer)
            if allowed != _expected_allowed(minimum, caller):
                wrong.append((method, template, caller, answer.status_code))
            if not allowed and caller == ANY:
                assert answer.status_code == 401, (method, template)
    assert wrong == [], (
        f"answers that contradict the matrix (method, route, caller, status): {wrong}"
    )
