"""Page dependencies: who is logged in, and the role checks every page route states explicitly.

The session cookie (Starlette's signed cookie) carries a session id; whether it is still live is decided by the
`web_sessions` table (registry.accounts.sessions), so ending a session on the server ends it for every copy of
the cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from registry.accounts.models import RoleChecks, User, UserRole
from registry.accounts.service import get_user
from registry.accounts.sessions import end_session, open_session, session_user_id
from registry.db import utcnow
from registry.db_session import SessionDep
from registry.web import flash
from registry.web.csrf import rotate_csrf_token
from registry.web.errors import LoginRequired, PageError

SESSION_ID_KEY = "sid"


@dataclass(frozen=True)
class CurrentUser(RoleChecks):
    """A snapshot of the logged-in account, not an ORM object: error pages render it after the request's
    transaction was rolled back, when ORM objects can no longer be loaded."""

    id: int
    email: str
    role: UserRole
    enterprise_id: int | None


def load_user(request: Request, session: SessionDep) -> CurrentUser | None:
    """The logged-in user (also put on request.state for the templates), or None."""
    token = request.session.get(SESSION_ID_KEY)
    user_id = session_user_id(session, token, utcnow()) if isinstance(token, str) else None
    found = get_user(session, user_id) if user_id is not None else None
    if found is None and token is not None:
        request.session.pop(SESSION_ID_KEY, None)  # ended, expired or the account is gone: forget the login
    user = CurrentUser(found.id, found.email, found.role, found.enterprise_id) if found else None
    request.state.user = user
    return user


def start_session(request: Request, session: Session, user: User) -> None:
    """A fresh session for the user: nothing from before the login (flashes aside) survives it, and the
    previous session of this browser, if any, is ended on the server."""
    end_browser_session(request, session)
    pending = request.session.get(flash.SESSION_KEY)
    request.session.clear()
    if pending:
        request.session[flash.SESSION_KEY] = pending
    max_age = request.app.state.web_settings.session_max_age
    request.session[SESSION_ID_KEY] = open_session(session, user.id, max_age, utcnow())
    rotate_csrf_token(request)


def end_browser_session(request: Request, session: Session) -> None:
    """Logs this browser out: its session row is deleted, so a copy of the cookie is worthless too."""
    token = request.session.pop(SESSION_ID_KEY, None)
    if isinstance(token, str):
        end_session(session, token)


OptionalUser = Annotated[CurrentUser | None, Depends(load_user)]


def require_user(user: OptionalUser) -> CurrentUser:
    if user is None:
        raise LoginRequired()
    return user


def require_enterprise_user(user: Annotated[CurrentUser, Depends(require_user)]) -> CurrentUser:
    if not user.is_enterprise:
        raise PageError(403, "err.forbidden")
    return user


def require_staff(user: Annotated[CurrentUser, Depends(require_user)]) -> CurrentUser:
    if not user.is_staff:
        raise PageError(403, "err.forbidden")
    return user


EnterpriseUser = Annotated[CurrentUser, Depends(require_enterprise_user)]
StaffUser = Annotated[CurrentUser, Depends(require_staff)]
