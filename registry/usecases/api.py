from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from registry.audit.service import token_actor
from registry.auth.deps import OptionalPrincipal, StaffPrincipal, sees_everything
from registry.db_session import SessionDep
from registry.enums import LifecycleStage, NetworkMode, ReviewStatus
from registry.evidence import export as evidence_export
from registry.evidence.deps import EvidenceSettingsDep
from registry.export import csv_response, json_response
from registry.pagination import Page, PageRequest, page_of, page_request
from registry.usecases import service
from registry.usecases.schemas import UseCaseCreate, UseCaseOut, UseCaseUpdate

router = APIRouter(prefix="/usecases", tags=["use cases"])

CSV_COLUMNS = (
    "id",
    "enterprise",
    "enterprise_en",
    "city",
    "province",
    "industry",
    "industry_code",
    "industry_class",
    "title",
    "scenario",
    "network_mode",
    "operators",
    "stage",
    "review_status",
    "recognitions",
    "investment_cny",
    "start_date",
    "end_date",
    "description",
    "source_document",
    "created_at",
    "updated_at",
)


def use_case_filters(
    principal: OptionalPrincipal,
    city: str | None = None,
    province: str | None = None,
    industry: Annotated[str | None, Query(description="the industry as worded in the source")] = None,
    industry_code: Annotated[str | None, Query(description="GB/T 4754-2017 division code, e.g. C36")] = None,
    scenario: str | None = None,
    stage: LifecycleStage | None = None,
    review_status: ReviewStatus | None = None,
    network_mode: NetworkMode | None = None,
    enterprise_id: int | None = None,
    q: Annotated[str | None, Query(max_length=200, description="free text over names and descriptions")] = None,
) -> service.UseCaseFilters:
    return service.UseCaseFilters(
        city=city,
        province=province,
        industry=industry,
        industry_code=industry_code,
        scenario=scenario,
        stage=stage,
        review_status=review_status,
        network_mode=network_mode,
        enterprise_id=enterprise_id,
        q=q,
        approved_only=not sees_everything(principal),
    )


Filters = Annotated[service.UseCaseFilters, Depends(use_case_filters)]


@router.get("", response_model=Page[UseCaseOut], summary="List use cases (anonymous callers: approved only)")
def list_use_cases(
    session: SessionDep, filters: Filters, page: Annotated[PageRequest, Depends(page_request)]
) -> Page[UseCaseOut]:
    rows, total = service.list_use_cases(session, filters, page)
    return page_of(UseCaseOut, rows, total, page)


EvidenceWindow = Literal["24h", "7d", "30d"]


@router.get(
    "/export",
    summary="Export the filtered list as CSV (UTF-8 with BOM) or JSON, with compliance columns for a window",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}, "description": "the export file"}},
)
def export_use_cases(
    session: SessionDep,
    filters: Filters,
    settings: EvidenceSettingsDep,
    format: Literal["csv", "json"] = "csv",
    evidence_window: Annotated[
        EvidenceWindow, Query(description="window of the compliance columns (named in their headers)")
    ] = "24h",
) -> Response:
    items = [UseCaseOut.model_validate(r) for r in service.iter_use_cases(session, filters)]
    compliance = evidence_export.compliance_table(session, (i.id for i in items), evidence_window, settings)
    if format == "json":
        rows = [{**item.model_dump(mode="json"), **compliance.json_fields(item.id)} for item in items]
        return json_response("usecases.json", rows)
    header = (*CSV_COLUMNS, *evidence_export.columns(evidence_window))
    return csv_response("usecases.csv", header, ((*_csv_row(item), *compliance.cells(item.id)) for item in items))


def _csv_row(item: UseCaseOut) -> tuple[object, ...]:
    e = item.enterprise
    return (
        item.id,
        e.name,
        e.name_en,
        e.city,
        e.province,
        e.industry,
        e.industry_code,
        e.industry_class,
        item.title,
        item.scenario,
        item.network_mode.value,
        ";".join(op.value for op in item.operators),
        item.stage.value,
        item.review_status.value,
        ";".join(item.recognitions),
        item.investment_cny,
        item.start_date,
        item.end_date,
        item.description,
        item.source_document,
        item.created_at.isoformat(),
        item.updated_at.isoformat(),
    )


@router.post("", response_model=UseCaseOut, status_code=status.HTTP_201_CREATED)
def create_use_case(session: SessionDep, staff: StaffPrincipal, body: UseCaseCreate) -> UseCaseOut:
    return UseCaseOut.model_validate(service.create_use_case(session, body, actor=token_actor(staff)))


@router.get("/{use_case_id}", response_model=UseCaseOut)
def get_use_case(session: SessionDep, principal: OptionalPrincipal, use_case_id: int) -> UseCaseOut:
    use_case = service.get_use_case(session, use_case_id, approved_only=not sees_everything(principal))
    return UseCaseOut.model_validate(use_case)


@router.patch("/{use_case_id}", response_model=UseCaseOut)
def update_use_case(session: SessionDep, staff: StaffPrincipal, use_case_id: int, body: UseCaseUpdate) -> UseCaseOut:
    return UseCaseOut.model_validate(service.update_use_case(session, use_case_id, body, actor=token_actor(staff)))


@router.delete("/{use_case_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_use_case(session: SessionDep, staff: StaffPrincipal, use_case_id: int) -> Response:
    service.delete_use_case(session, use_case_id, actor=token_actor(staff))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
