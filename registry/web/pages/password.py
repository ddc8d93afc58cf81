"""Changing one's own password (any logged-in user; accounts opened by staff start with a generated one)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from registry.accounts.models import User
from registry.accounts.service import AccountError, change_password
from registry.db_session import SessionDep
from registry.web import flash
from registry.web.csrf import require_csrf
from registry.web.deps import CurrentUser, require_user, start_session
from registry.web.forms import form_values
from registry.web.password_guard import PasswordGuard, too_many
from registry.web.redirects import home_for, see_other
from registry.web.templating import render, translator_for

router = APIRouter()


def _page(request: Request, errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    # No value is ever sent back: every field here is a password.
    context = {"values": {}, "errors": errors, "nav": "password", "here": str(request.url_for("password_form").path)}
    return render(request, "password.html", context, status_code=status_code)


@router.get("/account/password", name="password_form", response_class=HTMLResponse)
def password_form(request: Request, _user: CurrentUser = Depends(require_user)) -> HTMLResponse:
    return _page(request, {})


@router.post("/account/password", name="password_change", dependencies=[Depends(require_csrf)])
async def password_change(
    request: Request, session: SessionDep, current: CurrentUser = Depends(require_user)
) -> Response:
    values = form_values(await request.form(), ("current_password", "new_password", "repeat_password"))
    t = translator_for(request)
    if values["new_password"] != values["repeat_password"]:
        return _page(request, {"repeat_password": t("err.password_repeat")}, status_code=400)
    user = session.get(User, current.id)
    if user is None:  # deleted while logged in: load_user would have logged them out
        return see_other(str(request.url_for("login_form").path))
    # Guessing the current password here is throttled exactly like guessing it at the login form.
    guard = PasswordGuard(request, session, user.email)
    if wait := guard.wait():
        return too_many(_page(request, {"current_password": t("login.rate_limited", seconds=wait)}, 429), wait)
    try:
        change_password(session, user, values["current_password"], values["new_password"])
    except AccountError as exc:
        if exc.field == "current_password":
            guard.failed()
        field = "new_password" if exc.field == "password" else exc.field
        return _page(request, {field: t(exc.key)}, status_code=400)
    guard.succeeded()
    # The change ended every session of the user (other browsers, stolen cookies); this browser gets a new one.
    start_session(request, session, user)
    flash.add(request, "ok", "password.changed")
    return see_other(home_for(request, current))
