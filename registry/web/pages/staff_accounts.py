"""Staff open accounts for enterprises that are already registered (the seeded catalog, or one registered
by another colleague): sign-up refuses an existing enterprise and sends its people to the bureau.

The initial password is generated here, shown once on the confirmation page for staff to hand over, and
never stored anywhere but as its hash; its owner changes it under "Password".
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from registry.accounts.models import User, UserRole
from registry.accounts.passwords import initial_password
from registry.accounts.service import (
    AccountError,
    create_user,
    enterprise_accounts,
    new_email_problem,
    normalize_email,
    set_password,
)
from registry.db_session import SessionDep
from registry.enterprises.models import Enterprise
from registry.web.csrf import require_csrf
from registry.web.deps import StaffUser
from registry.web.errors import PageError
from registry.web.forms import form_values
from registry.web.templating import render, translator_for

router = APIRouter()


def _page(
    request: Request, session: Session, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    enterprises = session.execute(select(Enterprise.id, Enterprise.name, Enterprise.city).order_by(Enterprise.name))
    context = {
        "enterprise_options": [(str(e.id), f"{e.name} · {e.city}") for e in enterprises],
        "accounts": enterprise_accounts(session),
        "values": values,
        "errors": errors,
        "nav": "accounts",
        "here": str(request.url_for("staff_accounts").path),
    }
    return render(request, "staff_accounts.html", context, status_code=status_code)


@router.get("/staff/accounts", name="staff_accounts", response_class=HTMLResponse)
def staff_accounts(request: Request, session: SessionDep, _staff: StaffUser) -> HTMLResponse:
    return _page(request, session, {}, {})


@router.post("/staff/accounts", name="staff_account_create", dependencies=[Depends(require_csrf)])
async def staff_account_create(request: Request, session: SessionDep, _staff: StaffUser) -> Response:
    values = form_values(await request.form(), ("enterprise_id", "email"))
    t = translator_for(request)
    enterprise_id = int(values["enterprise_id"]) if values["enterprise_id"].isdigit() else None
    enterprise = session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
    errors: dict[str, str] = {}
    if enterprise is None:
        errors["enterprise_id"] = t("err.invalid_choice" if values["enterprise_id"] else "err.required")
    email = normalize_email(values["email"])
    if problem := new_email_problem(session, email):
        errors["email"] = t(problem)
    if errors or enterprise is None:
        return _page(request, session, values, errors, status_code=400)
    password = initial_password()
    try:
        user = create_user(session, email, password, UserRole.enterprise, enterprise.id)
    except AccountError as exc:  # taken between the check and the insert
        return _page(request, session, values, {exc.field: t(exc.key)}, status_code=409)
    return _handover(request, user.email, enterprise, password, "accounts.created")


def _handover(request: Request, email: str, enterprise: Enterprise, password: str, heading: str) -> HTMLResponse:
    """The page that shows a generated password once, for staff to hand over."""
    context = {"account_email": email, "enterprise": enterprise, "password": password, "heading": heading}
    return render(request, "account_created.html", {**context, "nav": "accounts"})


@router.post("/staff/accounts/{user_id}/reset", name="staff_account_reset", dependencies=[Depends(require_csrf)])
def staff_account_reset(request: Request, session: SessionDep, _staff: StaffUser, user_id: int) -> Response:
    """A new generated password for an enterprise account (its owner forgot it, or it may be known to someone
    else): every session of the account ends with the old password."""
    user = session.get(User, user_id)
    if user is None or not user.is_enterprise or user.enterprise is None:
        raise PageError(404, "err.not_found")
    password = initial_password()
    set_password(session, user, password)
    return _handover(request, user.email, user.enterprise, password, "accounts.reset_done")
