"""Sign up (enterprise + its first user), log in (password guesses throttled), log out (ends the session on the
server)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from registry.accounts.models import UserRole
from registry.accounts.passwords import hash_password, password_problem
from registry.accounts.service import AccountError, authenticate, create_user, email_problem, normalize_email
from registry.audit.service import Actor
from registry.claims.service import find_enterprise
from registry.claims.web import claim_offer
from registry.db_session import SessionDep
from registry.enterprises import industry_class
from registry.enterprises import models as enterprise_models
from registry.enterprises.schemas import EnterpriseCreate
from registry.enterprises.service import create_enterprise
from registry.errors import Conflict
from registry.web import flash
from registry.web.csrf import require_csrf, rotate_csrf_token
from registry.web.deps import OptionalUser, end_browser_session, start_session
from registry.web.errors import Refused
from registry.web.forms import form_values, validate
from registry.web.i18n import negotiate
from registry.web.password_guard import PasswordGuard, too_many
from registry.web.redirects import home_for, safe_next, see_other
from registry.web.templating import render, translator_for

router = APIRouter()
# Nobody is signed in yet: the sign-up itself acts (the e-mail given is in the event's detail).
SIGNUP = Actor.system("signup")

ENTERPRISE_FIELDS = ("name", "name_en", "province", "city", "industry_code", "industry", "credit_code", "contact")
LIMITS = {
    "name": enterprise_models.NAME_MAX,
    "place": enterprise_models.PLACE_MAX,
    "industry": enterprise_models.INDUSTRY_MAX,
    "contact": enterprise_models.CONTACT_MAX,
}


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
    guard = PasswordGuard(request, session, email)
    context = {"values": {"email": values["email"]}, "next_url": safe_next(values["next"], "")}

    if wait := guard.wait():
        context["form_error"] = t("login.rate_limited", seconds=wait)
        return too_many(render(request, "login.html", context, status_code=429), wait)
    user = authenticate(session, email, values["password"])
    if user is None:
        guard.failed()
        context["form_error"] = t("login.failed")
        return render(request, "login.html", context, status_code=401)
    guard.succeeded()
    start_session(request, session, user)
    flash.add(request, "ok", "login.welcome", email=user.email)
    return see_other(safe_next(values["next"], home_for(request, user)))


@router.post("/logout", name="logout", dependencies=[Depends(require_csrf)])
def logout(request: Request, session: SessionDep) -> Response:
    end_browser_session(request, session)
    request.session.clear()
    rotate_csrf_token(request)
    flash.add(request, "info", "logout.done")
    return see_other(str(request.url_for("catalog").path))


def signup_page(request: Request, values: dict, errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    shown = {k: v for k, v in values.items() if k != "password"}  # a password is never sent back
    context = {
        "values": shown,
        "errors": errors,
        "limits": LIMITS,
        "industries": industry_class.options(negotiate(request)),
        "nav": "signup",
    }
    return render(request, "signup.html", context, status_code=status_code)


@router.get("/signup", name="signup_form", response_class=HTMLResponse)
def signup_form(request: Request, user: OptionalUser) -> Response:
    if user is not None:
        return see_other(home_for(request, user))
    return signup_page(request, {}, {})


@router.post("/signup", name="signup", dependencies=[Depends(require_csrf)])
async def signup(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    values = form_values(form, ("email", "password", *ENTERPRISE_FIELDS))
    t = translator_for(request)
    enterprise_input = {k: values[k] for k in ENTERPRISE_FIELDS}
    division = industry_class.get(values["industry_code"])
    if division and not values["industry"].strip():
        enterprise_input["industry"] = division.zh  # the own wording is optional on the form
    result = validate(
        EnterpriseCreate, enterprise_input, t, {"credit_code": "err.credit_code", "industry_code": "err.invalid_choice"}
    )
    errors = dict(result.errors)
    if not values["industry_code"].strip():
        errors["industry_code"] = t("err.required")  # the API may derive it; a person chooses it
    email = normalize_email(values["email"])
    # Only the e-mail's form is checked here: whether it is taken must not show in the answer (see below).
    if problem := email_problem(email):
        errors["email"] = t(problem)
    if problem := password_problem(values["password"]):
        errors["password"] = t(problem)
    if errors or result.data is None:
        return signup_page(request, values, errors, status_code=400)
    # A registered enterprise (a seeded record nobody owns yet): offer to claim it instead of a duplicate.
    registered = find_enterprise(session, result.data.name, result.data.credit_code)
    if registered is not None:
        return claim_offer(request, session, registered, values)
    try:
        enterprise = create_enterprise(session, result.data, actor=SIGNUP)
    except Conflict:
        # Registered meanwhile by a concurrent sign-up (find_enterprise saw neither the name nor the code): the
        # form again, and the request edge rolls back what this one flushed.
        taken = {"name": t("err.enterprise_taken"), "credit_code": t("err.enterprise_taken")}
        raise Refused(signup_page(request, values, taken, status_code=409)) from None
    # A taken e-mail gets exactly the answer a new one gets (same redirect, same page, one argon2 hash each),
    # so sign-up cannot tell anyone which e-mails, staff's included, have accounts. The enterprise is
    # registered either way; staff can open an account for it. Nobody is logged in by signing up: the new
    # owner logs in with the password just chosen.
    try:
        create_user(session, email, values["password"], UserRole.enterprise, enterprise.id, actor=SIGNUP)
    except AccountError:  # the e-mail is taken (create_user checked it): spend the hash a new account costs
        hash_password(values["password"])
    flash.add(request, "ok", "signup.received")
    return see_other(str(request.url_for("login_form").path))
