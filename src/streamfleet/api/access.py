"""Who may call what: one table from (method, route path template) to the lowest role allowed.

``None`` means anyone, without credentials. A route of the app that has no row
here is refused to everyone (``api/access_control.py`` answers 403), and
``tests/unit/api/test_access_policy.py`` fails for it, so a new route cannot
go out open by mistake. WebSocket routes use the method ``"WS"``.

    viewer     reads: channels (secrets masked, for every role), events, alerts, targets, workers,
               outbox, uptime, profiles, the live feed, the API description, their own tokens,
               recordings, their locks, MP4 exports (and downloads them)
    operator   also changes: channels and their actions, imports and exports (with secrets),
               MP4 exports of recordings and locked ranges,
               reads a channel's secrets (``…/source``, audited), the source probe,
               alert acknowledgements, targets, outbox retries, drains of fleet workers
    admin      also: users, everyone's tokens, backups, the audit log
"""

from __future__ import annotations

from typing import Final

from streamfleet.domain.roles import Role

ANYONE: Final = None
VIEWER: Final = Role.VIEWER
OPERATOR: Final = Role.OPERATOR
ADMIN: Final = Role.ADMIN

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

POLICY: Final[dict[tuple[str, str], Role | None]] = {
    # Open: probes, login, Prometheus (its own token when set), media, the dashboard's files.
    ("GET", "/healthz"): ANYONE,
    ("GET", "/readyz"): ANYONE,
    ("POST", "/api/v1/auth/login"): ANYONE,
    ("POST", "/api/v1/auth/token"): ANYONE,
    ("GET", "/metrics"): ANYONE,
    ("GET", "/hls/{path:path}"): ANYONE,
    ("HEAD", "/hls/{path:path}"): ANYONE,
    ("OPTIONS", "/hls/{path:path}"): ANYONE,
    ("GET", "/hls/{prefix:path}/archive.m3u8"): ANYONE,  # catch-up, signed like live HLS
    ("GET", "/hls/{prefix:path}/timeshift.m3u8"): ANYONE,
    ("GET", "/thumbs/{slug}.jpg"): ANYONE,
    ("HEAD", "/thumbs/{slug}.jpg"): ANYONE,
    ("GET", "/thumbs/s/{expires}/{token}/{slug}.jpg"): ANYONE,  # the token is the check
    ("HEAD", "/thumbs/s/{expires}/{token}/{slug}.jpg"): ANYONE,
    ("GET", "/{path:path}"): ANYONE,
    # The API's description.
    ("GET", "/api/openapi.json"): VIEWER,
    ("HEAD", "/api/openapi.json"): VIEWER,
    ("GET", "/api/docs"): VIEWER,
    ("HEAD", "/api/docs"): VIEWER,
    ("GET", "/docs/oauth2-redirect"): VIEWER,
    ("HEAD", "/docs/oauth2-redirect"): VIEWER,
    # Accounts.
    ("POST", "/api/v1/auth/logout"): VIEWER,
    ("GET", "/api/v1/auth/me"): VIEWER,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("PATCH", "/api/v1/users/{user_id}"): ADMIN,
    ("GET", "/api/v1/tokens"): VIEWER,  # own tokens; an admin's list has everyone's
    ("POST", "/api/v1/tokens"): VIEWER,  # never above the caller's role
    ("DELETE", "/api/v1/tokens/{token_id}"): VIEWER,  # own tokens; an admin's any
    ("GET", "/api/v1/audit"): ADMIN,
    # Channels.
    ("GET", "/api/v1/channels"): VIEWER,
    ("POST", "/api/v1/channels"): OPERATOR,
    ("GET", "/api/v1/channels/export"): OPERATOR,  # full URLs and passphrases
    ("POST", "/api/v1/channels/import"): OPERATOR,
    ("GET", "/api/v1/channels/{channel_id}"): VIEWER,
    ("PATCH", "/api/v1/channels/{channel_id}"): OPERATOR,
    ("DELETE", "/api/v1/channels/{channel_id}"): OPERATOR,
    ("POST", "/api/v1/channels/{channel_id}/start"): OPERATOR,
    ("POST", "/api/v1/channels/{channel_id}/stop"): OPERATOR,
    ("POST", "/api/v1/channels/{channel_id}/restart"): OPERATOR,
    ("GET", "/api/v1/channels/{channel_id}/source"): OPERATOR,  # secrets in full, audited
    ("GET", "/api/v1/channels/{channel_id}/log"): VIEWER,  # redacted lines
    ("GET", "/api/v1/channels/{channel_id}/events"): VIEWER,
    ("GET", "/api/v1/commands/{command_id}"): VIEWER,  # a fleet command; log lines redacted
    ("GET", "/api/v1/channels/{channel_id}/uptime"): VIEWER,
    ("GET", "/api/v1/channels/{channel_id}/recordings"): VIEWER,
    ("GET", "/api/v1/channels/{channel_id}/recordings/locks"): VIEWER,
    ("POST", "/api/v1/channels/{channel_id}/recordings/locks"): OPERATOR,
    ("DELETE", "/api/v1/channels/{channel_id}/recordings/locks/{lock_id}"): OPERATOR,
    ("POST", "/api/v1/channels/{channel_id}/exports"): OPERATOR,  # an FFmpeg copy on the server
    ("GET", "/api/v1/exports"): VIEWER,  # copies of recordings viewers may play
    ("GET", "/api/v1/exports/{export_id}"): VIEWER,
    ("GET", "/api/v1/exports/{export_id}/download"): VIEWER,
    ("POST", "/api/v1/channels/{channel_id}/stream_key"): OPERATOR,  # a new key, shown once
    ("POST", "/api/v1/rtmp/on_publish"): ANYONE,  # nginx-rtmp; its shared secret is the check
    ("GET", "/api/v1/profiles"): VIEWER,
    ("POST", "/api/v1/probe"): OPERATOR,  # makes FFmpeg open an address
    ("GET", "/api/v1/events"): VIEWER,
    # The live feed (secrets hidden for everyone).
    ("WS", "/api/v1/ws"): VIEWER,
    ("GET", "/api/v1/events/stream"): VIEWER,
    # Alerts, targets, the outbox, uptime.
    ("GET", "/api/v1/alerts"): VIEWER,
    ("GET", "/api/v1/alerts/rules"): VIEWER,
    ("GET", "/api/v1/alerts/{alert_id}"): VIEWER,
    ("POST", "/api/v1/alerts/{alert_id}/ack"): OPERATOR,
    ("GET", "/api/v1/targets"): VIEWER,  # URLs masked, secrets never
    ("POST", "/api/v1/targets"): OPERATOR,
    ("GET", "/api/v1/targets/{target_id}"): VIEWER,
    ("PATCH", "/api/v1/targets/{target_id}"): OPERATOR,
    ("DELETE", "/api/v1/targets/{target_id}"): OPERATOR,
    ("POST", "/api/v1/targets/{target_id}/test"): OPERATOR,
    ("GET", "/api/v1/outbox"): VIEWER,
    ("GET", "/api/v1/outbox/{notification_id}"): VIEWER,
    ("POST", "/api/v1/outbox/{notification_id}/retry"): OPERATOR,
    ("GET", "/api/v1/uptime"): VIEWER,
    ("GET", "/api/v1/incidents.csv"): VIEWER,
    # The fleet.
    ("GET", "/api/v1/workers"): VIEWER,
    ("POST", "/api/v1/workers/{worker_id}/drain"): OPERATOR,
    # The server.
    ("GET", "/api/v1/backups"): ADMIN,
}

ORIGIN_CHECKED: Final = frozenset({("WS", "/api/v1/ws"), ("GET", "/api/v1/events/stream")})
"""Routes a browser may open from another site's page: an ``Origin`` must be our own host."""

QUERY_TOKEN_ALLOWED: Final = frozenset({("WS", "/api/v1/ws")})
"""Routes that accept ``?access_token=`` (browsers cannot set headers on a WebSocket)."""


def minimum_role(method: str, template: str) -> tuple[bool, Role | None]:
    """``(known, role)``: whether the table has the route, and the lowest role it allows."""
    key = (method, template)
    if key not in POLICY:
        return False, None
    return True, POLICY[key]
