"""Staff correct a use case's content (a typo, a wrong scenario, a seeded record's details) without touching
its review decision: the same form the enterprise uses, reached from the use-case page and the review list.
Staff also do here what the REST API lets them do to a use case and its gateways (delete; disable, enable,
rotate, delete a gateway)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from i5g.contract import broker_username
from registry.audit.service import user_actor
from registry.broker.hooks import BrokerFailure
from registry.db_session import SessionDep
from registry.enterprises.models import Enterprise
from registry.errors import Conflict
from registry.gateways.models import Gateway
from registry.gateways.schemas import GatewayUpdate
from registry.gateways.service import delete_gateway, rotate_password, update_gateway
from registry.usecases.models import UseCase
from registry.usecases.service import delete_use_case
from registry.web import flash, usecase_form
from registry.web.csrf import require_csrf
from registry.web.deps import StaffUser
from registry.web.errors import PageError, Refused
from registry.web.forms import form_values
from registry.web.i18n import negotiate
from registry.web.redirects import see_other
from registry.web.templating import render, translator_for

router = APIRouter()


def _use_case(session: Session, use_case_id: int) -> UseCase:
    use_case = session.get(UseCase, use_case_id)
    if use_case is None:
        raise PageError(404, "usecase.not_found")
    return use_case


def enterprise_options(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(Enterprise.id, Enterprise.name, Enterprise.city).order_by(Enterprise.name))
    return [(str(e.id), f"{e.name} · {e.city}") for e in rows]


@router.get("/staff/usecases/new", name="staff_usecase_new", response_class=HTMLResponse)
def staff_usecase_new(request: Request, session: SessionDep, _staff: StaffUser) -> HTMLResponse:
    """What POST /api/v1/usecases lets staff do: register a use case for any enterprise (it is submitted; the
    review queue publishes it)."""
    values = {"operators": [], "enterprise_id": request.query_params.get("enterprise_id", "")}
    options = enterprise_options(session)
    return usecase_form.render_form(request, negotiate(request), values, {}, enterprise_options=options)


@router.post("/staff/usecases/new", name="staff_usecase_create", dependencies=[Depends(require_csrf)])
async def staff_usecase_create(request: Request, session: SessionDep, staff: StaffUser) -> Response:
    form = await request.form()
    values = {**usecase_form.parse(form), **form_values(form, ("enterprise_id",))}
    t = translator_for(request)
    chosen = values["enterprise_id"]
    enterprise = session.get(Enterprise, int(chosen)) if chosen.isdigit() and len(chosen) < 12 else None
    result = usecase_form.validate_submission(values, enterprise.id if enterprise else 0, t)
    if enterprise is None:
        result.errors["enterprise_id"] = t("err.invalid_choice" if chosen else "err.required")
    elif (created := usecase_form.create_submitted(request, session, result, user_actor(staff), t)) is not None:
        return created
    options = enterprise_options(session)
    page = usecase_form.render_form(
        request, negotiate(request), values, result.errors, status_code=400, enterprise_options=options
    )
    raise Refused(page)


@router.get("/staff/usecases/{use_case_id}/edit", name="staff_usecase_edit", response_class=HTMLResponse)
def staff_usecase_edit(request: Request, use_case_id: int, session: SessionDep, _staff: StaffUser) -> HTMLResponse:
    use_case = _use_case(session, use_case_id)
    values = usecase_form.values_of(use_case)
    return usecase_form.render_form(request, negotiate(request), values, {}, use_case, staff_edit=True)


@router.post("/staff/usecases/{use_case_id}/edit", name="staff_usecase_update", dependencies=[Depends(require_csrf)])
async def staff_usecase_update(request: Request, use_case_id: int, session: SessionDep, _staff: StaffUser) -> Response:
    return await usecase_form.save_edit(request, session, _use_case(session, use_case_id), staff_edit=True)


# What staff may do to a gateway over REST, on the use-case page too: disable (revokes its broker identity),
# enable (restores it), rotate its password (shown once), delete.
GATEWAY_ACTIONS = ("disable", "enable", "rotate", "delete")


@router.post("/staff/gateways/{gateway_id}/{action}", name="staff_gateway_action", dependencies=[Depends(require_csrf)])
def staff_gateway_action(
    request: Request, gateway_id: str, action: str, session: SessionDep, staff: StaffUser
) -> Response:
    gateway = session.get(Gateway, gateway_id)
    if gateway is None or action not in GATEWAY_ACTIONS:
        raise PageError(404, "err.not_found")
    use_case, actor = gateway.use_case, user_actor(staff)
    password = None
    try:
        if action == "delete":
            delete_gateway(session, gateway.id, actor=actor)
        elif action == "rotate":
            password = rotate_password(session, gateway.id, actor=actor)
        else:
            update_gateway(session, gateway.id, GatewayUpdate(enabled=action == "enable"), actor=actor)
            password = getattr(gateway, "broker_password", None)  # enabling may issue a new one (shown once)
    except Conflict:
        raise PageError(409, "gateway.rotate_refused") from None
    except BrokerFailure:
        raise PageError(503, "gateway.broker_unavailable") from None
    if password:
        context = {"uc": use_case, "gateway": gateway, "username": broker_username(gateway.id), "password": password}
        return render(request, "gateway_created.html", {**context, "rotated": True, "nav": "review"})
    flash.add(request, "ok", f"staff.gateway_{action}", gateway=gateway_id)
    return see_other(str(request.url_for("usecase_detail", use_case_id=use_case.id).path))


@router.post("/staff/usecases/{use_case_id}/delete", name="staff_usecase_delete", dependencies=[Depends(require_csrf)])
def staff_usecase_delete(request: Request, use_case_id: int, session: SessionDep, staff: StaffUser) -> Response:
    """What DELETE /api/v1/usecases/{id} does: refused while the use case has gateways."""
    use_case = _use_case(session, use_case_id)
    try:
        delete_use_case(session, use_case.id, actor=user_actor(staff))
    except Conflict:
        raise PageError(409, "staff.usecase_has_gateways") from None
    flash.add(request, "ok", "staff.usecase_deleted", title=use_case.title)
    return see_other(str(request.url_for("review_queue").path))
