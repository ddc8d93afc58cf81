"""Staff correct an enterprise's details (what PATCH /api/v1/enterprises/{id} allows), from its use cases'
pages: a seeded record's wording, a credit code, a contact."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from registry.audit.service import user_actor
from registry.claims.service import is_owned
from registry.db_session import SessionDep
from registry.enterprises import industry_class
from registry.enterprises.models import Enterprise
from registry.enterprises.schemas import EnterpriseCreate, EnterpriseUpdate
from registry.enterprises.service import create_enterprise, delete_enterprise, update_enterprise
from registry.errors import Conflict
from registry.usecases.models import UseCase
from registry.web import flash
from registry.web.csrf import require_csrf
from registry.web.deps import StaffUser
from registry.web.errors import PageError, Refused
from registry.web.forms import form_values, validate
from registry.web.i18n import negotiate
from registry.web.pages.accounts import ENTERPRISE_FIELDS, LIMITS
from registry.web.redirects import safe_next, see_other
from registry.web.templating import render, translator_for

router = APIRouter()

REQUIRED = ("name", "province", "city", "industry")
FALLBACKS = {"credit_code": "err.credit_code", "industry_code": "err.invalid_choice"}


def _enterprise(session: SessionDep, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise PageError(404, "err.not_found")
    return enterprise


def _form(
    request: Request,
    enterprise: Enterprise | None,
    values: dict,
    errors: dict,
    code: int = 200,
    *,
    deletable: bool = False,
) -> HTMLResponse:
    """The enterprise form: a new one (`enterprise` None) or an existing one's details."""
    context = {
        "enterprise": enterprise,
        "values": values,
        "errors": errors,
        "limits": LIMITS,
        "industries": industry_class.options(negotiate(request)),
        "back": safe_next(request.query_params.get("next") or values.get("next"), "/"),
        "deletable": deletable,
        "nav": "review",
    }
    return render(request, "enterprise_form.html", context, status_code=code)


@router.get("/staff/enterprises/new", name="staff_enterprise_new", response_class=HTMLResponse)
def staff_enterprise_new(request: Request, _staff: StaffUser) -> HTMLResponse:
    """What POST /api/v1/enterprises lets staff do; then on to a first use case for it."""
    return _form(request, None, {}, {})


@router.post("/staff/enterprises/new", name="staff_enterprise_create", dependencies=[Depends(require_csrf)])
async def staff_enterprise_create(request: Request, session: SessionDep, staff: StaffUser) -> Response:
    values = form_values(await request.form(), ENTERPRISE_FIELDS)
    t = translator_for(request)
    result = validate(EnterpriseCreate, values, t, FALLBACKS)
    if result.data is None:
        raise Refused(_form(request, None, values, result.errors, 400))
    try:
        enterprise = create_enterprise(session, result.data, actor=user_actor(staff))
    except Conflict:
        raise Refused(_form(request, None, values, {"name": t("err.enterprise_taken")}, 409)) from None
    flash.add(request, "ok", "staff.enterprise_saved", name=enterprise.name)
    return see_other(str(request.url_for("staff_usecase_new").path) + f"?enterprise_id={enterprise.id}")


@router.get("/staff/enterprises/{enterprise_id}/edit", name="staff_enterprise_edit", response_class=HTMLResponse)
def staff_enterprise_edit(request: Request, enterprise_id: int, session: SessionDep, _staff: StaffUser) -> HTMLResponse:
    enterprise = _enterprise(session, enterprise_id)
    values = {name: getattr(enterprise, name) or "" for name in ENTERPRISE_FIELDS}
    return _form(request, enterprise, values, {}, deletable=not _in_use(session, enterprise.id))


@router.post(
    "/staff/enterprises/{enterprise_id}/edit", name="staff_enterprise_update", dependencies=[Depends(require_csrf)]
)
async def staff_enterprise_update(
    request: Request, enterprise_id: int, session: SessionDep, staff: StaffUser
) -> Response:
    enterprise = _enterprise(session, enterprise_id)
    values = form_values(await request.form(), (*ENTERPRISE_FIELDS, "next"))
    t = translator_for(request)
    # Every field of the form is sent: a cleared optional field clears the stored value.
    fields = {name: values[name] for name in ENTERPRISE_FIELDS}
    result = validate(EnterpriseUpdate, fields, t, FALLBACKS)
    errors = dict(result.errors)
    for name in REQUIRED:
        if not values[name].strip():
            errors[name] = t("err.required")
    if errors or result.data is None:
        return _form(request, enterprise, values, errors, 400)
    cleared = {name: None for name in ENTERPRISE_FIELDS if name not in REQUIRED and not values[name].strip()}
    data = EnterpriseUpdate.model_validate({**result.data.changes(), **cleared})
    try:
        update_enterprise(session, enterprise.id, data, actor=user_actor(staff))
    except Conflict:
        raise Refused(_form(request, enterprise, values, {"name": t("err.enterprise_taken")}, 409)) from None
    flash.add(request, "ok", "staff.enterprise_saved", name=enterprise.name)
    return see_other(safe_next(values["next"], "/"))


def _in_use(session: Session, enterprise_id: int) -> bool:
    """Whether it still has use cases or accounts (DELETE /api/v1/enterprises refuses it then)."""
    has_use_case = session.scalar(select(UseCase.id).where(UseCase.enterprise_id == enterprise_id).limit(1))
    return has_use_case is not None or is_owned(session, enterprise_id)


@router.post(
    "/staff/enterprises/{enterprise_id}/delete", name="staff_enterprise_delete", dependencies=[Depends(require_csrf)]
)
def staff_enterprise_delete(request: Request, enterprise_id: int, session: SessionDep, staff: StaffUser) -> Response:
    """What DELETE /api/v1/enterprises/{id} does, for one registered by mistake: no use cases, no accounts."""
    enterprise = _enterprise(session, enterprise_id)
    if _in_use(session, enterprise.id):
        raise PageError(409, "staff.enterprise_in_use")
    name = enterprise.name
    delete_enterprise(session, enterprise.id, actor=user_actor(staff))
    flash.add(request, "ok", "staff.enterprise_deleted", name=name)
    return see_other(str(request.url_for("review_queue").path))
