"""``/api/v1/users`` (admins): list, create, change role, disable or set a password.

Demoting or disabling a user ends their sessions and revokes their tokens at once.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from streamfleet.api.deps import AccountsDep, JsonBody
from streamfleet.api.params import RowId
from streamfleet.api.schemas.accounts import UserCreate, UserDetail, UserList, UserUpdate
from streamfleet.db.repositories.users import UserRecord

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
async def users_create(body: UserCreate, accounts: AccountsDep) -> UserDetail:
    return user_detail(await accounts.create_user(body.username, body.password, body.role))


@router.patch("/users/{user_id}", response_model=UserDetail, dependencies=[JsonBody])
async def users_update(user_id: RowId, body: UserUpdate, accounts: AccountsDep) -> UserDetail:
    user = await accounts.update_user(
        user_id, role=body.role, disabled=body.disabled, password=body.password
    )
    return user_detail(user)
