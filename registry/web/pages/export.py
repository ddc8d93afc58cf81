"""Staff export of the filtered catalog (the "case collection"): the catalog's filters, the API's file format."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from registry.db_session import SessionDep
from registry.evidence.deps import evidence_settings
from registry.evidence.web import chosen_window
from registry.usecases.api import export_use_cases
from registry.usecases.service import UseCaseFilters
from registry.web.catalog_query import CatalogQuery
from registry.web.deps import StaffUser

router = APIRouter()


def _filters(request: Request) -> UseCaseFilters:
    query = CatalogQuery.from_params(request.query_params, allow_status=True)
    # The catalog is the approved use cases; staff may ask for another review status explicitly.
    return query.filters(approved_only=not query.status)


def _export(request: Request, session: Session, format: Literal["csv", "json"]) -> Response:
    window = chosen_window(request.query_params.get("evidence_window"))
    return export_use_cases(session, _filters(request), evidence_settings(request), format, window)


@router.get("/export.csv", name="export_csv")
def export_csv(request: Request, session: SessionDep, _staff: StaffUser) -> Response:
    return _export(request, session, "csv")


@router.get("/export.json", name="export_json")
def export_json(request: Request, session: SessionDep, _staff: StaffUser) -> Response:
    return _export(request, session, "json")
