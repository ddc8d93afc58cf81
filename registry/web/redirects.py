"""Safe redirect targets: only paths on this site, so `?next=` cannot send a user elsewhere."""

from __future__ import annotations

from starlette.responses import RedirectResponse


def safe_next(target: str | None, default: str) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def see_other(url: str) -> RedirectResponse:
    """303: after a POST the browser GETs the next page (no resubmission on reload)."""
    return RedirectResponse(url, status_code=303)
