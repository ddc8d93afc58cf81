"""Sign up (enterprise + its first user), log in (rate-limited), log out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.responses import HTMLResponse, Response

from registry.accounts.csrf import require_csrf, rotate_csrf_token
from registry.accounts.models import User, UserRole
from registry.accounts.passwords import password_problem
from registry.accounts.ratelimit import LoginRateLimiter
from registry.accounts.service import authenticate, create_user, new_email_problem, normalize_email
from registry.db_session import SessionDep
from registry.enterprises import models as enterprise_models
from registry.enterprises.models import Enterprise
from registry.enterprises.schemas import EnterpriseCreate
from registry.enterprises.service import create_enterprise
from registry.errors import Conflict
from registry.fields import name_key
from registry.web import flash
from registry.web.deps import SESSION_USER_KEY, OptionalUser
from registry.web.forms import form_values, validate
from registry.web.redirects import home_for, safe_next, see_other
from registry.web.templating import render, translator_for

router = APIRouter()

ENTERPRISE_FIELDS = ("name", "name_en", "province", "city", "industry", "credit_code", "contact")
LIMITS = {
    "name": enterprise_models.NAME_MAX,
    "place": enterprise_models.PLACE_MAX,
    "industry": enterprise_models.INDUSTRY_MAX,
    "contact": enterprise_models.CONTACT_MAX,
}


def _limiter(request: Request) -> LoginRateLimiter:
    return request.app.state.login_limiter


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def start_session(request: Request, user: User) -> None:
    """A fresh session for the user: nothing from before the login (flashes aside) survives it."""
    pending = request.session.get(flash.SESSION_KEY)
    request.session.clear()
    if pending:
        request.session[flash.SESSION_KEY] = pending
    request.session[SESSION_USER_KEY] = user.id
    rotate_csrf_token(request)


@router.get("/login", name="login_form", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return see_other(home_for(request, user))
    return render(request, "login.html", {"next_url": safe_next(next, ""), "nav": "login"})


@router.post("/login", name="login", dependencies=[Depends(require_csrf)])
async def login(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    values = form_values(form, ("email", "password", "next"))
    email = normalize_email(values["email"])
    t = translator_for(request)
    limiter = _limiter(request)
    context = {"values": {"email": values["email"]}, "next_url": safe_next(values["next"], "")}

    wait = limiter.retry_after(_client(request), email)
    if wait:
        context["form_error"] = t("login.rate_limited", seconds=wait)
        return render(request, "login.html", context, status_code=429)
    user = authenticate(session, email, values["password"])
    if user is None:
        limiter.record_failure(_client(request), email)
        context["form_error"] = t("login.failed")
        return render(request, "login.html", context, status_code=401)
    limiter.reset(_client(request), email)
    start_session(request, user)
    flash.add(request, "ok", "login.welcome", email=user.email)
    return see_other(safe_next(values["next"], home_for(request, user)))


@router.post("/logout", name="logout", dependencies=[Depends(require_csrf)])
def logout(request: Request) -> Response:
    request.session.clear()
    rotate_csrf_token(request)
    flash.add(request, "info", "logout.done")
    return see_other(str(request.url_for("catalog").path))


def _signup_page(request: Request, values: dict, errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    shown = {k: v for k, v in values.items() if k != "password"}  # a password is never sent back
    context = {"values": shown, "errors": errors, "limits": LIMITS, "nav": "signup"}
    return render(request, "signup.html", context, status_code=status_code)


@router.get("/signup", name="signup_form", response_class=HTMLResponse)
def signup_form(request: Request, user: OptionalUser) -> Response:
    if user is not None:
        return see_other(home_for(request, user))
    return _signup_page(request, {}, {})


@router.post("/signup", name="signup", dependencies=[Depends(require_csrf)])
async def signup(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    values = form_values(form, ("email", "password", *ENTERPRISE_FIELDS))
    t = translator_for(request)
    result = validate(
        EnterpriseCreate, {k: values[k] for k in ENTERPRISE_FIELDS}, t, {"credit_code": "err.credit_code"}
    )
    errors = dict(result.errors)
    email = normalize_email(values["email"])
    if problem := new_email_problem(session, email):
        errors["email"] = t(problem)
    if problem := password_problem(values["password"]):
        errors["password"] = t(problem)
    if errors or result.data is None:
        return _signup_page(request, values, errors, status_code=400)
    try:
        enterprise = create_enterprise(session, result.data)
    except Conflict:
        # Claiming an enterprise that is already registered (e.g. a seeded one) goes through the staff.
        session.rollback()
        name_taken = (
            session.scalar(select(Enterprise.id).where(Enterprise.name_key == name_key(result.data.name))) is not None
        )
        field = "name" if name_taken else "credit_code"
        return _signup_page(request, values, {field: t("err.enterprise_taken")}, status_code=409)
    user = create_user(session, email, values["password"], UserRole.enterprise, enterprise.id)
    start_session(request, user)
    flash.add(request, "ok", "login.welcome", email=user.email)
    return see_other(str(request.url_for("my_usecases").path))
