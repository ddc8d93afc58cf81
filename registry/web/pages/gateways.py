"""Registering an edge gateway for one of the enterprise's approved use cases.

When gateway creation provisions broker credentials (the stack part hooks that into the gateway service),
the password is shown once on the confirmation page and never stored in the session or logged.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from i5g.contract import broker_username
from registry.broker.hooks import BrokerFailure
from registry.broker.settings import BrokerSettings
from registry.db_session import SessionDep
from registry.enums import ReviewStatus
from registry.errors import Conflict, FieldInvalid
from registry.gateways import models as gateway_models
from registry.gateways.agent_config import handover
from registry.gateways.schemas import GatewayCreate
from registry.gateways.service import create_gateway, rotate_password
from registry.usecases.models import UseCase
from registry.web.csrf import require_csrf
from registry.web.deps import EnterpriseUser
from registry.web.errors import PageError, Refused
from registry.web.forms import form_values, validate
from registry.web.templating import render, translator_for
from registry.web.visibility import owned_use_case

router = APIRouter()

FIELDS = ("id", "site_name", "hardware", "latitude", "longitude")
FALLBACKS = {"id": "err.slug"}
LIMITS = {"id": gateway_models.SLUG_MAX, "site": gateway_models.SITE_MAX, "hardware": gateway_models.HARDWARE_MAX}
# pydantic words range errors as "greater than or equal"; on a map coordinate the range says more.
RANGE_KEYS = {"latitude": "err.latitude", "longitude": "err.longitude"}


def _approved(use_case: UseCase) -> UseCase:
    if use_case.review_status != ReviewStatus.approved:
        raise PageError(409, "gateway.not_approved")
    return use_case


def one_time_credentials(created: Any) -> tuple[Any, str | None, str | None]:
    """(gateway, username, password) from what create_gateway returned: a Gateway today; a result carrying
    broker credentials once provisioning is hooked in (attribute names below, or a (gateway, password) pair).
    The username is the gateway's broker account, `gw.<id>` (i5g.contract.broker_username)."""
    if isinstance(created, tuple):
        gateway, password = created[0], created[1]
    else:
        gateway = getattr(created, "gateway", created)
        password = getattr(created, "broker_password", None) or getattr(created, "password", None)
    gateway_id = getattr(gateway, "id", None)
    username = broker_username(gateway_id) if gateway_id else None
    return gateway, username, password if isinstance(password, str) else None


def _form(
    request: Request, use_case: UseCase, values: dict, errors: dict, status_code: int = 200, form_error: str = ""
) -> HTMLResponse:
    context = {"uc": use_case, "values": values, "errors": errors, "limits": LIMITS, "form_error": form_error}
    return render(request, "gateway_form.html", {**context, "nav": "mine"}, status_code=status_code)


@router.get("/my/usecases/{use_case_id}/gateways/new", name="gateway_new", response_class=HTMLResponse)
def gateway_new(request: Request, use_case_id: int, session: SessionDep, user: EnterpriseUser) -> HTMLResponse:
    use_case = _approved(owned_use_case(session, user, use_case_id))
    return _form(request, use_case, {}, {})


@router.post("/my/usecases/{use_case_id}/gateways/new", name="gateway_create", dependencies=[Depends(require_csrf)])
async def gateway_create(request: Request, use_case_id: int, session: SessionDep, user: EnterpriseUser) -> Response:
    use_case = _approved(owned_use_case(session, user, use_case_id))
    values = form_values(await request.form(), FIELDS)
    t = translator_for(request)
    result = validate(GatewayCreate, {**values, "use_case_id": use_case.id}, t, FALLBACKS)
    for field, key in RANGE_KEYS.items():
        if field in result.errors and values[field].strip():
            try:
                float(values[field])
            except ValueError:
                continue
            result.errors[field] = t(key)
    if result.errors or result.data is None:
        return _form(request, use_case, values, result.errors, status_code=400)
    try:
        created = create_gateway(session, result.data)
    except (Conflict, FieldInvalid):
        raise Refused(_form(request, use_case, values, {"id": t("err.slug_taken")}, status_code=409)) from None
    except BrokerFailure:
        # The broker could not provision the gateway's identity: nothing is saved, the user may retry.
        unavailable = t("gateway.broker_unavailable")
        raise Refused(_form(request, use_case, values, {}, status_code=503, form_error=unavailable)) from None
    gateway, username, password = one_time_credentials(created)
    context = {"uc": use_case, "gateway": gateway, "username": username, "password": password, "nav": "mine"}
    ready = handover(gateway.id, use_case.scenario_key, password, BrokerSettings.load()) if password else None
    if ready is not None:
        context.update(agent_config=ready.agent_config, install_commands=ready.install_commands, ca_pem=ready.ca_pem)
    return render(request, "gateway_created.html", context, status_code=201)


@router.post("/my/gateways/{gateway_id}/rotate-password", name="gateway_rotate", dependencies=[Depends(require_csrf)])
def gateway_rotate(request: Request, gateway_id: str, session: SessionDep, user: EnterpriseUser) -> Response:
    """The owner's password rotation: the new password is shown once, like at registration."""
    gateway = session.get(gateway_models.Gateway, gateway_id)
    if gateway is None:
        raise PageError(404, "usecase.not_found")
    use_case = owned_use_case(session, user, gateway.use_case_id)
    try:
        password = rotate_password(session, gateway.id)
    except Conflict:
        raise PageError(409, "gateway.rotate_refused") from None
    except BrokerFailure:
        raise PageError(503, "gateway.broker_unavailable") from None
    context = {"uc": use_case, "gateway": gateway, "username": broker_username(gateway.id), "password": password}
    context["nav"] = "mine"
    return render(request, "gateway_created.html", {**context, "rotated": True})
