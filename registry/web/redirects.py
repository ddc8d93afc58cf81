"""Safe redirect targets: only paths on this site, so `?next=` cannot send a user elsewhere."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from registry.accounts.models import RoleChecks


def safe_next(target: str | None, default: str) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def see_other(url: str) -> RedirectResponse:
    """303: after a POST the browser GETs the next page (no resubmission on reload)."""
    return RedirectResponse(url, status_code=303)


def home_for(request: Request, user: RoleChecks) -> str:
    """Where a user lands after logging in or finishing an account action: staff the review queue,
    enterprises their own use cases."""
    return str(request.url_for("review_queue" if user.is_staff else "my_usecases").path)
