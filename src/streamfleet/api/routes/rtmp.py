"""``POST /api/v1/rtmp/on_publish``: nginx-rtmp asks whether a push may go on.

nginx-rtmp's ``on_publish`` posts the push as a form (``call``, ``app``, ``name``,
``addr``…) to this route with ``?secret=<STREAMFLEET_RTMP_HOOK_SECRET>``: the shared secret
is the only credential (no user token), compared in constant time before anything else is
looked at. ``name`` is the stream key the publisher used. The answers nginx acts on:

    302 Location: channel-<id>   accepted; nginx renames the stream (the key never reaches
                                 the internal name the channel's FFmpeg pulls)
    401 / 403                    no secret / a wrong one, or push ingest not configured
    403                          an unknown key, another application, a disabled channel
    422                          a missing or malformed field (problem+json naming it)

Every refusal drops the publisher. The key itself is never logged, answered or audited.
"""

from __future__ import annotations

from typing import Annotated, Final, NoReturn
from urllib.parse import parse_qs

import structlog
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from streamfleet.api.client_address import client_address
from streamfleet.api.deps import ChannelsDep, SettingsDep
from streamfleet.domain import rtmp_push
from streamfleet.domain.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)

router = APIRouter(prefix="/api/v1/rtmp", tags=["rtmp"])
log = structlog.get_logger()

MAX_FORM_BYTES: Final = 8192
MAX_FORM_FIELDS: Final = 32
MAX_ADDR_LENGTH: Final = 64
REFUSED: Final = "the stream key does not belong to an enabled push_rtmp channel"


@router.post(
    "/on_publish",
    status_code=302,
    responses={
        302: {"description": "accepted: Location is the stream's internal name"},
        401: {"description": "no secret"},
        403: {"description": "wrong secret, key, application or a disabled channel"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["name", "app"],
                        "properties": {
                            "name": {"type": "string", "description": "the stream key"},
                            "app": {"type": "string"},
                            "call": {"type": "string"},
                            "addr": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def on_publish(
    request: Request,
    channels: ChannelsDep,
    settings: SettingsDep,
    secret: Annotated[str | None, Query(max_length=256, description="the hook secret")] = None,
) -> Response:
    """nginx-rtmp's ``on_publish`` hook: map a stream key to its channel, or refuse it."""
    expected = settings.rtmp_hook_secret
    if expected is None:
        raise PermissionDenied(
            "RTMP push ingest is off (the hook secret STREAMFLEET_RTMP_HOOK_SECRET is unset)"
        )
    if secret is None:
        raise Unauthenticated("the hook secret is missing (?secret=)")
    if not rtmp_push.secret_matches(secret, expected.get_secret_value()):
        raise PermissionDenied("wrong hook secret", field="secret")
    form = _form(await request.body())
    addr = form.get("addr", "")[:MAX_ADDR_LENGTH]
    if form["app"] != settings.rtmp_app:
        _refuse(addr, "unknown application", field="app")
    try:
        record = await channels.get_by_stream_key_hash(rtmp_push.key_hash(form["name"]))
    except NotFound:
        _refuse(addr, REFUSED)
    channel = record.channel
    if not channel.enabled:
        _refuse(addr, "the channel is disabled", slug=channel.slug)
    stream = rtmp_push.stream_name(channel.id)
    log.info("rtmp.publish_accepted", channel=channel.slug, addr=addr, peer=client_address(request))
    return JSONResponse(
        {"channel_id": channel.id, "slug": channel.slug, "stream": stream},
        status_code=302,
        headers={"Location": stream},
    )


def _form(body: bytes) -> dict[str, str]:
    """The hook's form fields (the last of repeated ones); ``InvalidInput`` naming the field."""
    if len(body) > MAX_FORM_BYTES:
        raise InvalidInput.of("body", f"must be at most {MAX_FORM_BYTES} bytes")
    try:
        text = body.decode("ascii")
        parsed = parse_qs(text, max_num_fields=MAX_FORM_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput.of(
            "body", f"must be a URL-encoded UTF-8 form of at most {MAX_FORM_FIELDS} fields"
        ) from None
    form = {key: values[-1] for key, values in parsed.items()}
    errors: list[FieldError] = []
    if not form.get("name"):
        errors.append(FieldError("name", "is required (the stream key)"))
    elif len(form["name"]) > rtmp_push.MAX_KEY_LENGTH:
        errors.append(FieldError("name", f"must be at most {rtmp_push.MAX_KEY_LENGTH} characters"))
    if not form.get("app"):
        errors.append(FieldError("app", "is required"))
    if errors:
        raise InvalidInput(errors)
    return form


def _refuse(addr: str, why: str, *, field: str = "name", slug: str = "") -> NoReturn:
    log.info("rtmp.publish_refused", reason=why, addr=addr, channel=slug or None)
    raise PermissionDenied(why, field=field)
