"""API tokens: created once (the plaintext is shown only then), stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth.models import ApiToken
from registry.db import utcnow
from registry.enums import TokenRole
from registry.errors import Conflict, NotFound

TOKEN_PREFIX = "i5g_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, role: TokenRole) -> tuple[ApiToken, str]:
    """A new token named `name`; returns the row and the plaintext token (not stored anywhere)."""
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise Conflict(f"a token named {name!r} already exists")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=TokenRole(role), token_hash=hash_token(plaintext))
    session.add(token)
    session.flush()
    return token, plaintext


def authenticate(session: Session, plaintext: str) -> ApiToken | None:
    """The live (not revoked) token matching `plaintext`, or None."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if token is None or token.revoked:
        return None
    return token


def revoke_token(session: Session, name: str) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFound("token", name)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token
