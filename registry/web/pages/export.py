"""Staff export of the filtered catalog (the "case collection"): the catalog's filters, the API's file format."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from registry.db_session import SessionDep
from registry.usecases.api import export_use_cases
from registry.usecases.service import UseCaseFilters
from registry.web.catalog_query import CatalogQuery
from registry.web.deps import StaffUser

router = APIRouter()


def _filters(request: Request) -> UseCaseFilters:
    query = CatalogQuery.from_params(request.query_params, allow_status=True)
    # The catalog is the approved use cases; staff may ask for another review status explicitly.
    return query.filters(approved_only=not query.status)


@router.get("/export.csv", name="export_csv")
def export_csv(request: Request, session: SessionDep, _staff: StaffUser) -> Response:
    return export_use_cases(session, _filters(request), "csv")


@router.get("/export.json", name="export_json")
def export_json(request: Request, session: SessionDep, _staff: StaffUser) -> Response:
    return export_use_cases(session, _filters(request), "json")
