"""``/api/v1/commands/{id}``: following a command an API node handed to a fleet worker.

Start, stop, restart, a log tail and a source probe asked of an API node become commands
(``fleet/api_control.py``); when the worker has not answered within
``STREAMFLEET_COMMAND_WAIT_S`` the route answers 202 with the command and
``Location: /api/v1/commands/{id}``, read here until it is ``done``, ``failed`` or
``expired``. ``serve`` runs its engine in-process and never answers with a command.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path

from streamfleet.api.deps import DatabaseDep
from streamfleet.api.schemas.commands import CommandOut
from streamfleet.db.repositories.commands import CommandRepository
from streamfleet.domain.commands import COMMAND_ID_LENGTH

router = APIRouter(prefix="/api/v1", tags=["commands"])

UUID_PATTERN: Final = r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$"
"""A command id as issued: a UUID in lower-case text."""

CommandId = Annotated[
    str,
    Path(min_length=COMMAND_ID_LENGTH, max_length=COMMAND_ID_LENGTH, pattern=UUID_PATTERN),
]


async def get_commands(database: DatabaseDep) -> CommandRepository:
    return CommandRepository(database.sessions)


CommandsDep = Annotated[CommandRepository, Depends(get_commands)]


@router.get("/commands/{command_id}", response_model=CommandOut)
async def commands_get(command_id: CommandId, commands: CommandsDep) -> CommandOut:
    """The command as it stands; 404 for an id nobody issued (or removed after an hour)."""
    command = await commands.get(command_id)
    return CommandOut.of(command.seen_at(datetime.now(UTC)))
