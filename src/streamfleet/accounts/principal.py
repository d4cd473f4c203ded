"""Who a request acts for: ``request.state.principal`` (``websocket.state.principal``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from streamfleet.domain.roles import Role

Via = Literal["session", "token"]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller; ``role`` is what it may do now (a token's, capped by its user's)."""

    user_id: int
    username: str
    role: Role
    via: Via
    token_id: int | None = None
    session_id: int | None = None
