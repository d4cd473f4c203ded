"""``POST /api/v1/channels/{id}/stream_key``: a new RTMP stream key for a ``push_rtmp`` channel.

The key is in this answer only (``stream_key``, and in full in ``publish_url``); the old
key stops working at once (a publisher still connected goes on until it reconnects).
Audited as ``channel.key_rotate`` (without the key).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from streamfleet.api import audit
from streamfleet.api.deps import BusDep, ChannelsDep
from streamfleet.api.params import RowId
from streamfleet.api.routes.channels import ViewerDep
from streamfleet.api.schemas.channels import ChannelOut
from streamfleet.domain import rtmp_push
from streamfleet.domain.audit import AuditAction
from streamfleet.events.envelope import Envelope, EventType

router = APIRouter(prefix="/api/v1", tags=["channels"])


@router.post("/channels/{channel_id}/stream_key", response_model=ChannelOut)
async def channels_rotate_stream_key(
    request: Request, channel_id: RowId, channels: ChannelsDep, bus: BusDep, view: ViewerDep
) -> ChannelOut:
    """A new stream key for a ``push_rtmp`` channel, shown once; the old one stops working."""
    key = rtmp_push.new_key()
    before = await channels.get(channel_id)
    record = await channels.set_stream_key_hash(channel_id, rtmp_push.key_hash(key))
    channel = record.channel
    await audit.record(
        request,
        AuditAction.CHANNEL_KEY_ROTATE,
        "channel",
        channel.id,
        channel.slug,
        audit.channel_changes(before.channel, record.channel),
    )
    masked = await view.one(record)
    await bus.publish(
        Envelope(EventType.CHANNEL_UPDATED, channel.slug, masked.model_dump(mode="json"))
    )
    return await view.one(record, stream_key=key)
