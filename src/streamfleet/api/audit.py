"""What routes call after a change succeeded, to write it to the audit log.

    await audit.record(request, AuditAction.CHANNEL_UPDATE, "channel", record.channel.id,
                       record.channel.slug, audit.channel_changes(before, record.channel))

The actor (user id, username, role) comes from ``request.state.principal``
when the request is authenticated, or from ``actor=`` where the route knows
better (a login names the user who just logged in); without either the entry
has no actor (anonymous or system). The address is
``client_address(request)``. ``changes`` are masked in ``domain.audit``
before they are stored: this module never sees them unmasked on their way out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from starlette.requests import HTTPConnection

from streamfleet.alerts.kinds import TargetKind
from streamfleet.alerts.target_rules import shown_url
from streamfleet.api.client_address import client_address
from streamfleet.db.base import utc_now
from streamfleet.db.repositories.audit import AuditRepository, NewAuditEntry
from streamfleet.db.repositories.targets import TargetRecord
from streamfleet.domain.audit import AuditAction, Changes, field_changes
from streamfleet.domain.channel import Channel


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it, when the request's principal does not say (a login, say)."""

    user_id: int | None
    username: str | None
    role: str | None = None


async def record(
    request: HTTPConnection,
    action: AuditAction,
    target_type: str | None = None,
    target_id: int | str | None = None,
    target_name: str | None = None,
    changes: Changes | None = None,
    *,
    actor: Actor | None = None,
) -> None:
    """Append one entry for ``action`` done by whoever made ``request`` (or ``actor``)."""
    principal = actor if actor is not None else getattr(request.state, "principal", None)
    role = getattr(principal, "role", None)
    repository = cast(AuditRepository, request.app.state.audit)
    await repository.add(
        NewAuditEntry(
            at=utc_now(),
            action=action.value,
            actor_user_id=getattr(principal, "user_id", None),
            actor=getattr(principal, "username", None),
            role=str(role) if role is not None else None,
            address=client_address(request),
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            target_name=target_name,
            changes=changes,
        )
    )


def channel_fields(channel: Channel) -> dict[str, Any]:
    """A channel's configuration as flat fields (``hls_segment_seconds``, not ``hls``)."""
    fields = dataclasses.asdict(channel)
    hls = fields.pop("hls")
    fields["hls_segment_seconds"] = hls["segment_seconds"]
    fields["hls_list_size"] = hls["list_size"]
    return fields


def channel_changes(old: Channel | None, new: Channel | None) -> Changes:
    """The channel's changed fields, secrets masked; ``None`` on the side that is not there."""
    return field_changes(
        channel_fields(old) if old is not None else None,
        channel_fields(new) if new is not None else None,
    )


def target_fields(target: TargetRecord) -> dict[str, Any]:
    """A notification target's fields with its URL as answers show it (tokens masked)."""
    fields = dataclasses.asdict(target)
    fields["url"] = shown_url(TargetKind(target.kind), target.url)
    return fields


def target_changes(old: TargetRecord | None, new: TargetRecord | None) -> Changes:
    return field_changes(
        target_fields(old) if old is not None else None,
        target_fields(new) if new is not None else None,
    )


def plain_changes(values: Mapping[str, Any]) -> Changes:
    """``{field: [None, value]}`` for facts about an action (an import's count), masked."""
    return field_changes(None, values)
