"""``/api/v1/tokens``: the caller's API tokens (an admin's list has everyone's); create, revoke.

A new token's secret is in the creation answer only; its role is never above
the caller's (403 naming ``role``). A revoked token is refused at its next use.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from streamfleet.api.deps import AccountsDep, JsonBody, PrincipalDep
from streamfleet.api.params import RowId
from streamfleet.api.schemas.accounts import TokenCreate, TokenCreated, TokenList, TokenOut
from streamfleet.db.repositories.credentials import TokenRecord

router = APIRouter(prefix="/api/v1", tags=["tokens"])


def token_out(token: TokenRecord) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        role=token.role,
        kind="login" if token.kind == "login" else "personal",
        user_id=token.user_id,
        username=token.username,
        hint=token.hint,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
    )


@router.get("/tokens", response_model=TokenList)
async def tokens_list(principal: PrincipalDep, accounts: AccountsDep) -> TokenList:
    items = [token_out(t) for t in await accounts.list_tokens(principal)]
    return TokenList(items=items, total=len(items))


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody],
)
async def tokens_create(
    body: TokenCreate, principal: PrincipalDep, accounts: AccountsDep
) -> TokenCreated:
    issued = await accounts.create_token(
        principal, name=body.name, role=body.role, expires_at=body.expires_at
    )
    return TokenCreated(**token_out(issued.record).model_dump(), token=issued.secret)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def tokens_revoke(
    token_id: RowId, principal: PrincipalDep, accounts: AccountsDep
) -> Response:
    await accounts.revoke_token(principal, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
