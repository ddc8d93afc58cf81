"""`GET /api/v1/audit` (staff): the audit trail, filtered and paginated, and its CSV/JSON export."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from registry.audit import service
from registry.audit.schemas import AuditEventOut
from registry.auth.deps import StaffPrincipal
from registry.db_session import SessionDep
from registry.export import csv_response, json_response
from registry.pagination import Page, PageRequest, page_of, page_request

router = APIRouter(prefix="/audit", tags=["audit"])

CSV_COLUMNS = ("id", "at", "actor_kind", "actor", "action", "target_type", "target_id", "enterprise_id", "detail")


def audit_filters(
    actor: Annotated[str | None, Query(max_length=254, description="exact e-mail, token name or job name")] = None,
    action: Annotated[
        str | None, Query(max_length=64, description='exact action, or a prefix ending in "." (e.g. "gateway.")')
    ] = None,
    target_type: Annotated[str | None, Query(max_length=64, description="usecase, gateway, enterprise, ...")] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    enterprise_id: int | None = None,
    since: Annotated[datetime | None, Query(description="from this moment (ISO 8601), inclusive")] = None,
    until: Annotated[datetime | None, Query(description="up to this moment (ISO 8601), exclusive")] = None,
) -> service.AuditFilters:
    return service.AuditFilters(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        enterprise_id=enterprise_id,
        since=service.as_utc(since),
        until=service.as_utc(until),
    )


Filters = Annotated[service.AuditFilters, Depends(audit_filters)]


@router.get("", response_model=Page[AuditEventOut], summary="The audit trail, newest first (staff)")
def list_audit_events(
    session: SessionDep, _staff: StaffPrincipal, filters: Filters, page: Annotated[PageRequest, Depends(page_request)]
) -> Page[AuditEventOut]:
    rows, total = service.list_events(session, filters, page)
    return page_of(AuditEventOut, rows, total, page)


@router.get(
    "/export",
    summary="Export the filtered audit trail as CSV (UTF-8 with BOM) or JSON (staff)",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}, "description": "the export file"}},
)
def export_audit_events(
    session: SessionDep, _staff: StaffPrincipal, filters: Filters, format: Literal["csv", "json"] = "csv"
) -> Response:
    return export_events(session, filters, format)


def export_events(session: Session, filters: service.AuditFilters, format: Literal["csv", "json"]) -> Response:
    """The file (also behind the staff page's export links)."""
    items = [AuditEventOut.model_validate(event) for event in service.iter_events(session, filters)]
    if format == "json":
        return json_response("audit.json", [item.model_dump(mode="json") for item in items])
    rows = (
        (
            item.id,
            item.at.isoformat(),
            item.actor_kind,
            item.actor,
            item.action,
            item.target_type,
            item.target_id,
            item.enterprise_id,
            json.dumps(item.detail, ensure_ascii=False, sort_keys=True),
        )
        for item in items
    )
    return csv_response("audit.csv", CSV_COLUMNS, rows)
