"""Page dependencies: who is logged in, and the role checks every page route states explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from registry.accounts.models import RoleChecks, UserRole
from registry.accounts.service import get_user
from registry.db_session import SessionDep
from registry.web.errors import LoginRequired, PageError

SESSION_USER_KEY = "uid"


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
    user_id = request.session.get(SESSION_USER_KEY)
    found = get_user(session, user_id) if isinstance(user_id, int) else None
    if found is None and user_id is not None:
        request.session.pop(SESSION_USER_KEY, None)  # the account is gone: forget the stale login
    user = CurrentUser(found.id, found.email, found.role, found.enterprise_id) if found else None
    request.state.user = user
    return user


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
