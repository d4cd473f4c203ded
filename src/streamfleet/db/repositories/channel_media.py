"""Each channel's media info in ``channel_media``: written by the worker running it, read by
API nodes.

A worker writes through ``store_media_info`` inside its lease's fenced transaction
(``fleet/media_keeper.py``), so a worker that lost the channel writes nothing.
``ChannelMediaRepository.by_slugs`` answers an API node's ``media_info(slugs)`` with one
query for a whole page of channels.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.media_models import ChannelMediaRow
from streamfleet.db.models import ChannelRow
from streamfleet.db.session import transaction


class ChannelMediaRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def by_slugs(self, slugs: Collection[str]) -> dict[str, dict[str, Any]]:
        """The stored media info of those of ``slugs`` that have one, by slug."""
        if not slugs:
            return {}
        async with transaction(self._sessions) as session:
            rows = await session.execute(
                select(ChannelRow.slug, ChannelMediaRow.info)
                .join(ChannelMediaRow, ChannelMediaRow.channel_id == ChannelRow.id)
                .where(ChannelRow.slug.in_(set(slugs)))
            )
            return {slug: dict(info) for slug, info in rows}


async def store_media_info(
    session: AsyncSession,
    channel_id: int,
    info: dict[str, Any],
    *,
    worker_id: str,
    epoch: int,
    at: datetime,
) -> None:
    """Within ``session``'s (fenced) transaction: the channel's media info is now ``info``."""
    row = await session.get(ChannelMediaRow, channel_id)
    if row is None:
        session.add(
            ChannelMediaRow(
                channel_id=channel_id, info=info, worker_id=worker_id, epoch=epoch, written_at=at
            )
        )
        return
    row.info = info
    row.worker_id = worker_id
    row.epoch = epoch
    row.written_at = at
