"""`GET|PUT /api/v1/gateways/{id}/config`: a gateway's desired agent configuration, desired vs reported.

Staff (API token, or a signed-in staff user) for every gateway; the owner (signed-in enterprise user of the
gateway's use case) for their own. A browser session must send the page's CSRF token in `X-CSRF-Token`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from registry.agentconfig import service
from registry.agentconfig.models import AgentConfig
from registry.agentconfig.schemas import AgentConfigIn, AgentConfigOut
from registry.audit.service import Actor
from registry.auth.deps import OptionalPrincipal
from registry.db_session import SessionDep
from registry.gateways.managers import manager_of
from registry.gateways.service import get_gateway

router = APIRouter(prefix="/gateways", tags=["gateways"])


def config_editor(request: Request, session: SessionDep, principal: OptionalPrincipal, gateway_id: str) -> Actor:
    return Actor(*manager_of(request, session, principal, gateway_id, staff_users=True))


Editor = Annotated[Actor, Depends(config_editor)]


@router.get("/{gateway_id}/config", response_model=AgentConfigOut, summary="Desired and reported agent config")
def get_config(session: SessionDep, _editor: Editor, gateway_id: str) -> AgentConfigOut:
    gateway = get_gateway(session, gateway_id)
    return service.describe(gateway.id, session.get(AgentConfig, gateway.id))


@router.put(
    "/{gateway_id}/config",
    response_model=AgentConfigOut,
    summary="Set the gateway's desired agent configuration (next version, published retained to the gateway)",
)
def put_config(session: SessionDep, editor: Editor, gateway_id: str, body: AgentConfigIn) -> AgentConfigOut:
    """Validated by the agent's own model; 422 names what is wrong and what is allowed. The agent applies it
    within seconds when connected, or when it next connects; `state` is pending until it reports it."""
    gateway = get_gateway(session, gateway_id)
    row = service.set_config(session, gateway, body.config, editor)
    return service.describe(gateway.id, row)
