from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from registry.auth.deps import StaffPrincipal
from registry.db_session import SessionDep
from registry.enterprises import service
from registry.enterprises.schemas import EnterpriseCreate, EnterpriseOut, EnterpriseUpdate
from registry.pagination import Page, PageRequest, page_of, page_request

router = APIRouter(prefix="/enterprises", tags=["enterprises"])


@router.get("", response_model=Page[EnterpriseOut])
def list_enterprises(
    session: SessionDep,
    page: Annotated[PageRequest, Depends(page_request)],
    city: str | None = None,
    province: str | None = None,
    industry: Annotated[str | None, Query(description="the industry as worded in the source")] = None,
    industry_code: Annotated[str | None, Query(description="GB/T 4754-2017 division code, e.g. C36")] = None,
    q: Annotated[str | None, Query(max_length=200, description="free text over the names")] = None,
) -> Page[EnterpriseOut]:
    filters = service.EnterpriseFilters(
        city=city, province=province, industry=industry, industry_code=industry_code, q=q
    )
    rows, total = service.list_enterprises(session, filters, page)
    return page_of(EnterpriseOut, rows, total, page)


@router.post("", response_model=EnterpriseOut, status_code=status.HTTP_201_CREATED)
def create_enterprise(session: SessionDep, _staff: StaffPrincipal, body: EnterpriseCreate) -> EnterpriseOut:
    return EnterpriseOut.model_validate(service.create_enterprise(session, body))


@router.get("/{enterprise_id}", response_model=EnterpriseOut)
def get_enterprise(session: SessionDep, enterprise_id: int) -> EnterpriseOut:
    return EnterpriseOut.model_validate(service.get_enterprise(session, enterprise_id))


@router.patch("/{enterprise_id}", response_model=EnterpriseOut)
def update_enterprise(
    session: SessionDep, _staff: StaffPrincipal, enterprise_id: int, body: EnterpriseUpdate
) -> EnterpriseOut:
    return EnterpriseOut.model_validate(service.update_enterprise(session, enterprise_id, body))


@router.delete("/{enterprise_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_enterprise(session: SessionDep, _staff: StaffPrincipal, enterprise_id: int) -> Response:
    service.delete_enterprise(session, enterprise_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
