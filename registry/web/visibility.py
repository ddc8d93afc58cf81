"""Who may see which use case on the pages: approved ones are public, others only their enterprise and staff."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry.enums import ReviewStatus
from registry.usecases.models import UseCase
from registry.web.deps import CurrentUser
from registry.web.errors import PageError


def can_see(user: CurrentUser | None, use_case: UseCase) -> bool:
    if use_case.review_status == ReviewStatus.approved:
        return True
    if user is None:
        return False
    return user.is_staff or use_case.enterprise_id == user.enterprise_id


def is_owner(user: CurrentUser | None, use_case: UseCase) -> bool:
    return user is not None and user.is_enterprise and use_case.enterprise_id == user.enterprise_id


def visible_use_case(session: Session, user: CurrentUser | None, use_case_id: int) -> UseCase:
    """The use case, or the same 404 for a missing one and for one this user may not see."""
    use_case = session.get(UseCase, use_case_id)
    if use_case is None or not can_see(user, use_case):
        raise PageError(404, "usecase.not_found")
    return use_case


def owned_use_case(session: Session, user: CurrentUser, use_case_id: int) -> UseCase:
    use_case = session.get(UseCase, use_case_id)
    if use_case is None or not is_owner(user, use_case):
        raise PageError(404, "usecase.not_found")
    return use_case
