"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

# Verified against when the e-mail is unknown, so a login for a missing account costs the same time as one
# with a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """A message key (registry.web.i18n) describing why a password is unacceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "err.password_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "err.password_long"
    return None


def initial_password() -> str:
    """A password for an account staff open for someone else: 16 URL-safe characters (96 bits), to be
    handed over once and changed by its owner."""
    return secrets.token_urlsafe(12)
