"""Command bodies: a fleet command as ``GET /api/v1/commands/{id}`` (and a 202) shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, Field

from streamfleet.domain.commands import Command, CommandAction, CommandState
from streamfleet.logs import redact_text


class CommandOut(BaseModel):
    id: str = Field(description="UUID; follow it at /api/v1/commands/{id}")
    action: CommandAction
    channel_id: int | None = Field(description="null for a source probe")
    state: CommandState = Field(description="pending, then done, failed or expired")
    created_at: datetime
    finished_at: datetime | None = None
    error: str | None = Field(default=None, description="why it failed (failed only)")
    result: dict[str, Any] | None = Field(
        default=None,
        description="done only: a log tail's {lines: [...]} (redacted), a probe's {report: "
        "ProbeReport}, nothing for start, stop and restart",
    )

    @classmethod
    def of(cls, command: Command) -> CommandOut:
        result = command.result
        if result is not None and isinstance(result.get("lines"), list):
            result = {**result, "lines": [redact_text(str(line)) for line in result["lines"]]}
        return cls(
            id=command.id,
            action=command.action,
            channel_id=command.channel_id,
            state=command.state,
            created_at=command.created_at,
            finished_at=command.finished_at,
            error=command.error,
            result=result,
        )


COMMAND_CONFLICT: Final[dict[str, Any]] = {
    "description": "The request conflicts with the current state; on a fleet's API node also: "
    "the worker refused the command, or (log) no worker runs the channel",
}
COMMAND_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    202: {
        "description": "The channel, the action done (on a fleet's API node: once the worker "
        "running it carried it out). When that worker has not answered within "
        "STREAMFLEET_COMMAND_WAIT_S the body is a CommandOut instead, with Location: "
        "/api/v1/commands/{id} to follow it.",
    },
    409: COMMAND_CONFLICT,
}
LOG_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    202: {
        "model": CommandOut,
        "description": "On a fleet's API node whose worker has not answered within "
        "STREAMFLEET_COMMAND_WAIT_S: the command; follow Location (/api/v1/commands/{id})",
    },
    409: COMMAND_CONFLICT,
}
"""What an API node adds to the channel action routes (``fleet/api_control.py``)."""
