"""CSRF protection for the HTML forms: a synchronizer token kept in the signed session cookie.

Every form renders `csrf_token(request)` into a hidden field; every state-changing page route depends on
`require_csrf`, which compares the submitted field with the session's token in constant time.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request

SESSION_KEY = "csrf"
FIELD_NAME = "csrf_token"


class CSRFError(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=403, detail="CSRF token missing or invalid")


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def rotate_csrf_token(request: Request) -> None:
    """A new token after login/logout, so a token seen before authentication is useless after it."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)


async def require_csrf(request: Request) -> None:
    expected = request.session.get(SESSION_KEY)
    form = await request.form()  # Starlette caches the parsed form, the route can read it again
    submitted = form.get(FIELD_NAME)
    if not expected or not isinstance(submitted, str) or not hmac.compare_digest(expected, submitted):
        raise CSRFError()
