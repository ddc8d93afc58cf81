"""Server-side web sessions: the signed cookie holds only a random session id, the database says whether it is
still live. Ending a session deletes its row, so logout, a password change or staff action takes effect on
every copy of the cookie at once (a signed cookie alone stays valid until it expires)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry.accounts.models import WebSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, user_id: int, max_age_seconds: int, now: datetime) -> str:
    """A new session for the user; returns the id for the cookie (only its hash is stored). Sessions of the
    user that have expired are removed on the way, so the table does not grow with every login."""
    db.execute(delete(WebSession).where(WebSession.user_id == user_id, WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=max_age_seconds)
    db.add(WebSession(token_hash=_hash(token), user_id=user_id, created_at=now, expires_at=expires))
    db.flush()
    return token


def session_user_id(db: Session, token: str, now: datetime) -> int | None:
    """The user of a live session, or None (unknown, ended or expired)."""
    row = db.execute(select(WebSession.user_id, WebSession.expires_at).where(WebSession.token_hash == _hash(token)))
    found = row.one_or_none()
    if found is None or found.expires_at <= now:
        return None
    return int(found.user_id)


def end_session(db: Session, token: str) -> None:
    db.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))


def end_user_sessions(db: Session, user_id: int) -> int:
    """Ends every session of the user (password changed or reset by staff); returns how many were live."""
    return db.execute(delete(WebSession).where(WebSession.user_id == user_id)).rowcount or 0
