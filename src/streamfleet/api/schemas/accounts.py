"""Account bodies: login, the current user, users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from streamfleet.accounts.passwords import MAX_PASSWORD_LENGTH
from streamfleet.db.account_models import MAX_TOKEN_NAME_LENGTH
from streamfleet.domain.roles import Role

Username = Annotated[str, Field(min_length=1, max_length=64)]
Password = Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password


class UserOut(BaseModel):
    id: int
    username: str
    role: Role


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str
    """Send it back in the ``X-CSRF-Token`` header of every POST/PUT/PATCH/DELETE."""


class MeOut(UserOut):
    via: Literal["session", "token"]


class AccessTokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_at: datetime


class UserDetail(UserOut):
    disabled: bool
    created_at: datetime
    updated_at: datetime


class UserList(BaseModel):
    items: list[UserDetail]
    total: int


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password
    role: Role


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    disabled: bool | None = None
    password: Password | None = None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=MAX_TOKEN_NAME_LENGTH)]
    role: Role
    expires_at: AwareDatetime | None = None
    """When the token stops working; ``null`` means never (revoke it when done)."""


class TokenOut(BaseModel):
    id: int
    name: str
    role: Role
    kind: Literal["personal", "login"]
    user_id: int
    username: str
    hint: str
    """The token's last four characters."""
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str
    """The token itself; shown this once only."""


class TokenList(BaseModel):
    items: list[TokenOut]
    total: int
