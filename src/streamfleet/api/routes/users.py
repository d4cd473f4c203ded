"""``/api/v1/users`` (admins): list, create, change role, disable or set a password.

Demoting or disabling a user ends their sessions and revokes their tokens at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from streamfleet.api import audit
from streamfleet.api.deps import AccountsDep, JsonBody
from streamfleet.api.params import RowId
from streamfleet.api.schemas.accounts import UserCreate, UserDetail, UserList, UserUpdate
from streamfleet.db.repositories.users import UserRecord
from streamfleet.domain.audit import MASK, AuditAction, Changes, field_changes

router = APIRouter(prefix="/api/v1", tags=["users"])


def user_detail(user: UserRecord) -> UserDetail:
    return UserDetail(
        id=user.id,
        username=user.username,
        role=user.role,
        disabled=user.disabled,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


@router.get("/users", response_model=UserList)
async def users_list(accounts: AccountsDep) -> UserList:
    items = [user_detail(u) for u in await accounts.users.list()]
    return UserList(items=items, total=len(items))


@router.post(
    "/users",
    response_model=UserDetail,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody],
)
async def users_create(request: Request, body: UserCreate, accounts: AccountsDep) -> UserDetail:
    user = await accounts.create_user(body.username, body.password, body.role)
    await _audit(request, AuditAction.USER_CREATE, user, field_changes(None, _fields(user)))
    return user_detail(user)


@router.patch("/users/{user_id}", response_model=UserDetail, dependencies=[JsonBody])
async def users_update(
    request: Request, user_id: RowId, body: UserUpdate, accounts: AccountsDep
) -> UserDetail:
    before = await accounts.users.get(user_id)
    user = await accounts.update_user(
        user_id, role=body.role, disabled=body.disabled, password=body.password
    )
    changes = field_changes(_fields(before), _fields(user))
    if body.password is not None:
        changes["password"] = [MASK, MASK]
    await _audit(request, AuditAction.USER_UPDATE, user, changes)
    return user_detail(user)


def _fields(user: UserRecord) -> dict[str, object]:
    return {"username": user.username, "role": user.role.value, "disabled": user.disabled}


async def _audit(request: Request, action: AuditAction, user: UserRecord, changes: Changes) -> None:
    await audit.record(request, action, "user", user.id, user.username, changes)
