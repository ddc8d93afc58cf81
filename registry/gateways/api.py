from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from i5g import contract
from registry.audit.service import token_actor
from registry.auth.deps import CollectorPrincipal, OptionalPrincipal, StaffPrincipal, sees_everything
from registry.db_session import SessionDep
from registry.gateways import service
from registry.gateways.agent_config import handover
from registry.gateways.managers import ManagerActor
from registry.gateways.models import Gateway
from registry.gateways.schemas import (
    Directory,
    GatewayCreate,
    GatewayCredentials,
    GatewayOut,
    GatewayStatusBatch,
    GatewayUpdate,
    PasswordRotation,
    StatusResult,
)
from registry.pagination import Page, PageRequest, page_of, page_request

router = APIRouter(prefix="/gateways", tags=["gateways"])


@router.get("", response_model=Page[GatewayOut])
def list_gateways(
    session: SessionDep,
    principal: OptionalPrincipal,
    page: Annotated[PageRequest, Depends(page_request)],
    use_case_id: int | None = None,
    enabled: bool | None = None,
    online: bool | None = None,
) -> Page[GatewayOut]:
    filters = service.GatewayFilters(
        use_case_id=use_case_id, enabled=enabled, online=online, approved_only=not sees_everything(principal)
    )
    rows, total = service.list_gateways(session, filters, page)
    return page_of(GatewayOut, rows, total, page)


@router.get("/directory", response_model=Directory, summary="Every gateway with its tags (collector)")
def gateway_directory(session: SessionDep, _caller: CollectorPrincipal) -> Directory:
    return Directory(gateways=service.directory(session), generated_at=datetime.now(UTC))


@router.post("/status", response_model=StatusResult, summary="Report gateways online/last seen (collector)")
def report_status(session: SessionDep, _caller: CollectorPrincipal, body: GatewayStatusBatch) -> StatusResult:
    updated, unknown = service.apply_statuses(session, body.statuses)
    return StatusResult(updated=updated, unknown=unknown)


@router.post("", response_model=GatewayOut, status_code=status.HTTP_201_CREATED)
def create_gateway(session: SessionDep, staff: StaffPrincipal, body: GatewayCreate) -> GatewayOut:
    return with_handover(service.create_gateway(session, body, actor=token_actor(staff)))


@router.get("/{gateway_id}", response_model=GatewayOut)
def get_gateway(session: SessionDep, principal: OptionalPrincipal, gateway_id: str) -> GatewayOut:
    gateway = service.get_gateway(session, gateway_id, approved_only=not sees_everything(principal))
    return GatewayOut.model_validate(gateway)


@router.patch("/{gateway_id}", response_model=GatewayOut)
def update_gateway(session: SessionDep, staff: StaffPrincipal, gateway_id: str, body: GatewayUpdate) -> GatewayOut:
    return with_handover(service.update_gateway(session, gateway_id, body, actor=token_actor(staff)))


@router.post(
    "/{gateway_id}/rotate-password",
    response_model=GatewayCredentials,
    summary="A new MQTT password for the gateway, answered once (staff, or the gateway's owner)",
)
def rotate_gateway_password(
    session: SessionDep, manager: ManagerActor, gateway_id: str, body: PasswordRotation | None = None
) -> GatewayCredentials:
    """The broker disconnects the gateway's session at once and accepts only the new password. Without a gap:
    generate the password on the gateway, add it to the agent's password file, then send it here; the agent
    reconnects with it at once (docs/operations.md). The owner calls this with the browser session and the
    `X-CSRF-Token` header (the CSRF token of any page)."""
    password = service.rotate_password(session, gateway_id, body.password if body else None, actor=manager)
    return GatewayCredentials(
        id=gateway_id, broker_username=contract.broker_username(gateway_id), broker_password=password
    )


@router.delete("/{gateway_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_gateway(session: SessionDep, staff: StaffPrincipal, gateway_id: str) -> Response:
    service.delete_gateway(session, gateway_id, actor=token_actor(staff))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def with_handover(gateway: Gateway) -> GatewayOut:
    """The answer; when it carries the new password (shown once), also the ready agent configuration."""
    from registry.broker.settings import BrokerSettings

    out = GatewayOut.model_validate(gateway)
    if out.broker_password:
        ready = handover(gateway.id, gateway.use_case.scenario_key, out.broker_password, BrokerSettings.load())
        if ready is not None:
            out.agent_config, out.install_commands, out.broker_ca_pem = (
                ready.agent_config,
                ready.install_commands,
                ready.ca_pem,
            )
    return out
