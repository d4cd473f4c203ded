"""Audit log bodies: one recorded action, and a page of them with the next page's cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str | None = Field(description="the username at the time; null: anonymous or system")
    role: str | None
    address: str | None = Field(description="the client's IP address")
    action: str = Field(examples=["channel.update"])
    target_type: str | None
    target_id: str | None
    target_name: str | None
    changes: dict[str, Any] | None = Field(
        description="{field: [old, new]}; secrets shown as ***, URLs without credentials"
    )


class AuditPageOut(BaseModel):
    items: list[AuditEventOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: last")
