"""Page dependencies: who is logged in, and the role checks every page route states explicitly."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from registry.accounts.models import User
from registry.accounts.service import get_user
from registry.db_session import SessionDep
from registry.web.errors import LoginRequired, PageError

SESSION_USER_KEY = "uid"


def load_user(request: Request, session: SessionDep) -> User | None:
    """The logged-in user (also put on request.state for the templates), or None."""
    user_id = request.session.get(SESSION_USER_KEY)
    user = get_user(session, user_id) if isinstance(user_id, int) else None
    if user is None and user_id is not None:
        request.session.pop(SESSION_USER_KEY, None)  # the account is gone: forget the stale login
    request.state.user = user
    return user


OptionalUser = Annotated[User | None, Depends(load_user)]


def require_user(user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired()
    return user


def require_enterprise_user(user: Annotated[User, Depends(require_user)]) -> User:
    if not user.is_enterprise:
        raise PageError(403, "err.forbidden")
    return user


def require_staff(user: Annotated[User, Depends(require_user)]) -> User:
    if not user.is_staff:
        raise PageError(403, "err.forbidden")
    return user


EnterpriseUser = Annotated[User, Depends(require_enterprise_user)]
StaffUser = Annotated[User, Depends(require_staff)]
AnyUser = Annotated[User, Depends(require_user)]
