"""A REST call made by a signed-in browser rather than with an API token: the session cookie proves who, the
page's CSRF token in the `X-CSRF-Token` header proves the call comes from our own pages (a cross-site form
cannot set a header, so the cookie alone is not enough)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy.orm import Session

from registry.db_session import READ_ONLY_METHODS
from registry.errors import Forbidden, Unauthorized
from registry.web.csrf import SESSION_KEY as CSRF_SESSION_KEY

if TYPE_CHECKING:
    from registry.web.deps import CurrentUser

CSRF_HEADER = "X-CSRF-Token"


def browser_user(request: Request, session: Session, *, needs: str) -> CurrentUser:
    """The signed-in user of this call, checked against the CSRF header (except for a read: READ_ONLY_METHODS);
    `needs` words the 401."""
    from registry.web.deps import load_user

    user = load_user(request, session)
    if user is None:
        raise Unauthorized(f"needs {needs}, or a signed-in session (and the {CSRF_HEADER} header to change anything)")
    if request.method in READ_ONLY_METHODS:
        return user
    expected = request.session.get(CSRF_SESSION_KEY)
    submitted = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(str(expected), submitted):
        raise Forbidden(f"the {CSRF_HEADER} header is missing or does not match the session's CSRF token")
    return user
