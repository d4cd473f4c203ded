"""Which slugs and SRT listen ports are taken, and how new ones are chosen.

Loaded inside the transaction that writes the channel(s), so a batch import
sees its own earlier entries; the unique constraints on ``channels.slug`` and
``channels.listen_port`` catch the rare race between two writers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from streamfleet.db.models import ChannelRow
from streamfleet.domain.channel import IngestMode
from streamfleet.domain.channel_rules import ChannelSpec
from streamfleet.domain.errors import Conflict, InvalidInput
from streamfleet.domain.slug import slugify, unique_slug

PASSPHRASE_BYTES: Final = 18
"""``secrets.token_urlsafe(18)`` gives 24 characters; libsrt takes 10 to 79."""


class SlugsAndPorts:
    """The slugs and listen ports in use, and how new ones are chosen."""

    def __init__(self, slugs: set[str], ports: set[int], low: int, high: int) -> None:
        self.slugs = slugs
        self.ports = ports
        self.reserved: set[str] = set()
        self.low, self.high = low, high

    @classmethod
    async def load(
        cls, session: AsyncSession, low: int, high: int, but: ChannelRow | None = None
    ) -> SlugsAndPorts:
        query = select(ChannelRow.slug, ChannelRow.listen_port)
        if but is not None:
            query = query.where(ChannelRow.id != but.id)
        rows = (await session.execute(query)).all()
        return cls(
            {slug for slug, _ in rows}, {port for _, port in rows if port is not None}, low, high
        )

    def reserve_slugs(self, slugs: Iterable[str]) -> None:
        """Keep explicitly named slugs of a batch from being handed to derived ones."""
        self.reserved.update(slugs)

    def claim_slug(self, slug: str) -> None:
        if slug in self.slugs:
            raise Conflict(f"slug '{slug}' is already used by another channel", field="slug")
        self.slugs.add(slug)

    def derive_slug(self, name: str) -> str:
        slug = unique_slug(slugify(name), self.slugs | self.reserved)
        self.slugs.add(slug)
        return slug

    def listen_for(
        self, spec: ChannelSpec, current: ChannelRow | None = None
    ) -> tuple[int | None, str | None]:
        """The (port, passphrase) of a channel: kept, checked, or newly assigned."""
        if spec.ingest_mode is not IngestMode.LISTEN_SRT:
            return None, None
        port = spec.listen_port
        if port is None and current is not None and current.listen_port is not None:
            port = current.listen_port
        if port is None:
            port = self._free_port()
        elif current is None or port != current.listen_port:
            self._check_port(port)
        self.ports.add(port)
        passphrase = spec.passphrase or secrets.token_urlsafe(PASSPHRASE_BYTES)
        return port, passphrase

    def _check_port(self, port: int) -> None:
        if not self.low <= port <= self.high:
            raise InvalidInput.of(
                "listen_port", f"must be between {self.low} and {self.high} (the SRT port range)"
            )
        if port in self.ports:
            raise Conflict(f"listen_port {port} is already used by another channel", "listen_port")

    def _free_port(self) -> int:
        for port in range(self.low, self.high + 1):
            if port not in self.ports:
                return port
        raise Conflict(f"no free SRT port between {self.low} and {self.high}", "listen_port")
