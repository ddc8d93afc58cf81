"""Account operations. They work inside the caller's session and never commit (the request edge does)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import EMAIL_MAX, User, UserRole
from registry.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from registry.accounts.sessions import end_user_sessions
from registry.db import utcnow
from registry.enterprises.models import Enterprise

# Deliberately loose: one @, something on each side, a dot in the domain. Deliverability is not our job.
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """Bad account input; `field` names the form field, `key` the message (registry.web.i18n)."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    if not email:
        return "err.required"
    if len(email) > EMAIL_MAX or not _EMAIL_RE.match(email):
        return "err.invalid_email"
    return None


def new_email_problem(session: Session, email: str) -> str | None:
    """Why `email` (normalised) cannot be used for a new account: invalid, or already taken; None if it can."""
    if problem := email_problem(email):
        return problem
    if find_by_email(session, email) is not None:
        return "err.email_taken"
    return None


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(session: Session, email: str, password: str, role: UserRole, enterprise_id: int | None = None) -> User:
    """Validate and add a user; AccountError names the first bad field."""
    email = normalize_email(email)
    if problem := new_email_problem(session, email):
        raise AccountError("email", problem)
    if problem := password_problem(password):
        raise AccountError("password", problem)
    if (role == UserRole.enterprise) != (enterprise_id is not None):
        raise ValueError("enterprise users need an enterprise; staff must not have one")
    user = User(email=email, password_hash=hash_password(password), role=role, enterprise_id=enterprise_id)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user when the password matches; None otherwise (same cost whether or not the e-mail exists)."""
    user = find_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """The new password ends every session of the user: whoever knew the old one is logged out everywhere
    (the web page that changed it opens a fresh session for its own browser)."""
    if problem := password_problem(password):
        raise AccountError("password", problem)
    user.password_hash = hash_password(password)
    end_user_sessions(session, user.id)


def enterprise_accounts(session: Session, limit: int = 500) -> list[User]:
    """Enterprise users, by enterprise name then e-mail."""
    stmt = (
        select(User)
        .join(Enterprise, User.enterprise_id == Enterprise.id)
        .where(User.role == UserRole.enterprise)
        .order_by(Enterprise.name, User.email)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """AccountError("current_password", ...) when `current` is wrong; the new one must pass the rules."""
    if not verify_password(user.password_hash, current):
        raise AccountError("current_password", "err.password_wrong")
    set_password(session, user, new)
