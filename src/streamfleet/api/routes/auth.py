"""``/api/v1/auth``: log in (a session cookie, or a bearer token), log out, who am I.

The session cookie ``sf_session`` is HttpOnly, SameSite=Lax and Secure when the
request came over HTTPS; ``sf_csrf`` holds the CSRF token for scripts to read
and send back as ``X-CSRF-Token``. Failed logins are throttled (429).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from streamfleet.accounts.service import AccountService
from streamfleet.api.access_control import CSRF_COOKIE, SESSION_COOKIE
from streamfleet.api.client_address import client_address, is_https
from streamfleet.api.deps import AccountsDep, JsonBody, PrincipalDep, SettingsDep
from streamfleet.api.schemas.accounts import (
    AccessTokenOut,
    Credentials,
    LoginOut,
    MeOut,
    UserOut,
)
from streamfleet.db.repositories.users import UserRecord

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "wrong username or password"},
    429: {"description": "too many failed logins; see Retry-After"},
}


@router.post("/login", response_model=LoginOut, responses=REFUSALS, dependencies=[JsonBody])
async def auth_login(
    body: Credentials,
    request: Request,
    response: Response,
    accounts: AccountsDep,
    settings: SettingsDep,
) -> LoginOut:
    """Log in for the dashboard: sets the session and CSRF cookies."""
    user = await _checked(accounts, body, request)
    session = await accounts.open_session(user, client_address(request))
    secure = is_https(request)
    max_age = int(settings.session_max_age_s)
    response.set_cookie(
        SESSION_COOKIE,
        session.secret,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(
        CSRF_COOKIE,
        session.csrf_token,
        max_age=max_age,
        path="/",
        httponly=False,
        samesite="lax",
        secure=secure,
    )
    return LoginOut(user=_user_out(user), csrf_token=session.csrf_token)


@router.post("/token", response_model=AccessTokenOut, responses=REFUSALS, dependencies=[JsonBody])
async def auth_token(body: Credentials, request: Request, accounts: AccountsDep) -> AccessTokenOut:
    """A bearer token for scripts, valid for ``login_token_ttl_s`` (12 h by default)."""
    user = await _checked(accounts, body, request)
    issued = await accounts.login_token(user)
    assert issued.record.expires_at is not None
    return AccessTokenOut(access_token=issued.secret, expires_at=issued.record.expires_at)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def auth_logout(principal: PrincipalDep, accounts: AccountsDep) -> Response:
    """End this session (a bearer token stays valid: revoke it at ``/api/v1/tokens``)."""
    if principal.session_id is not None:
        await accounts.close_session(principal.session_id)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="lax")
    return response


@router.get("/me", response_model=MeOut)
async def auth_me(principal: PrincipalDep) -> MeOut:
    return MeOut(
        id=principal.user_id, username=principal.username, role=principal.role, via=principal.via
    )


async def _checked(accounts: AccountService, body: Credentials, request: Request) -> UserRecord:
    return await accounts.check_login(body.username, body.password, client_address(request))


def _user_out(user: UserRecord) -> UserOut:
    return UserOut(id=user.id, username=user.username, role=user.role)
