"""The language switch: a plain link that remembers the choice in a cookie and returns to the page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from registry.web.errors import PageError
from registry.web.i18n import COOKIE_MAX_AGE, COOKIE_NAME, LANGS
from registry.web.redirects import safe_next

router = APIRouter()


@router.get("/lang/{code}", name="set_language")
def set_language(request: Request, code: str, next: str | None = None) -> RedirectResponse:
    if code not in LANGS:
        raise PageError(404, "err.not_found")
    response = RedirectResponse(safe_next(next, str(request.url_for("catalog").path)), status_code=303)
    response.set_cookie(COOKIE_NAME, code, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=True)
    return response
