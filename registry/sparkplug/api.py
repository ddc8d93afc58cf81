"""REST: a gateway's Sparkplug B edge node declaration (staff write; the owner uses the web form)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from registry.audit.service import Actor, record
from registry.auth.deps import StaffPrincipal
from registry.db_session import SessionDep
from registry.gateways.service import get_gateway
from registry.sparkplug import service
from registry.sparkplug.schemas import SparkplugDeclaration, SparkplugOut

router = APIRouter(prefix="/gateways/{gateway_id}/sparkplug", tags=["sparkplug"])


@router.get("", response_model=SparkplugOut, summary="The gateway's Sparkplug B edge node declaration (staff)")
def get_declaration(session: SessionDep, _staff: StaffPrincipal, gateway_id: str) -> SparkplugOut:
    return service.to_out(service.get_node(session, gateway_id))


@router.put("", response_model=SparkplugOut, summary="Declare the gateway a Sparkplug B edge node (staff)")
def put_declaration(
    session: SessionDep, staff: StaffPrincipal, gateway_id: str, body: SparkplugDeclaration
) -> SparkplugOut:
    """Replaces the declaration and its metric mapping as a whole. The broker lets the gateway's identity publish
    as this edge node only (its NBIRTH/NDATA/NDEATH and its devices' D* topics); docs/interop.md."""
    node = service.declare(session, gateway_id, body)
    audit(session, Actor("token", staff.name), "gateway.sparkplug.update", gateway_id, body.model_dump())
    return service.to_out(node)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, summary="The gateway is no longer a Sparkplug node")
def delete_declaration(session: SessionDep, staff: StaffPrincipal, gateway_id: str) -> Response:
    service.withdraw(session, gateway_id)
    audit(session, Actor("token", staff.name), "gateway.sparkplug.delete", gateway_id, {})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def audit(session: SessionDep, actor: Actor, action: str, gateway_id: str, detail: dict) -> None:
    enterprise_id = get_gateway(session, gateway_id).use_case.enterprise_id
    record(session, actor, action, "gateway", gateway_id, enterprise_id=enterprise_id, detail=detail)
