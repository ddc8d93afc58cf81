from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from registry.audit.service import token_actor
from registry.auth.deps import OptionalPrincipal, StaffPrincipal, sees_everything
from registry.db_session import SessionDep
from registry.enterprises import service
from registry.enterprises.schemas import EnterpriseCreate, EnterpriseOut, EnterprisePublic, EnterpriseUpdate
from registry.pagination import Page, PageRequest, page_of, page_request

router = APIRouter(prefix="/enterprises", tags=["enterprises"])

# Staff see every enterprise with its contact details; everyone else sees the enterprises that have an approved
# use case, with their public fields only (issue 16.7).
EnterpriseView = EnterpriseOut | EnterprisePublic


def _view(principal: OptionalPrincipal) -> type[EnterpriseOut] | type[EnterprisePublic]:
    return EnterpriseOut if sees_everything(principal) else EnterprisePublic


@router.get("", response_model=Page[EnterpriseView], summary="List enterprises (anonymous: public fields only)")
def list_enterprises(
    session: SessionDep,
    principal: OptionalPrincipal,
    page: Annotated[PageRequest, Depends(page_request)],
    city: str | None = None,
    province: str | None = None,
    industry: Annotated[str | None, Query(description="the industry as worded in the source")] = None,
    industry_code: Annotated[str | None, Query(description="GB/T 4754-2017 division code, e.g. C36")] = None,
    q: Annotated[str | None, Query(max_length=200, description="free text over the names")] = None,
) -> Page[EnterpriseView]:
    filters = service.EnterpriseFilters(
        city=city,
        province=province,
        industry=industry,
        industry_code=industry_code,
        q=q,
        public_only=not sees_everything(principal),
    )
    rows, total = service.list_enterprises(session, filters, page)
    return page_of(_view(principal), rows, total, page)


@router.post("", response_model=EnterpriseOut, status_code=status.HTTP_201_CREATED)
def create_enterprise(session: SessionDep, staff: StaffPrincipal, body: EnterpriseCreate) -> EnterpriseOut:
    return EnterpriseOut.model_validate(service.create_enterprise(session, body, actor=token_actor(staff)))


@router.get("/{enterprise_id}", response_model=EnterpriseView)
def get_enterprise(session: SessionDep, principal: OptionalPrincipal, enterprise_id: int) -> EnterpriseView:
    enterprise = service.get_enterprise(session, enterprise_id, public_only=not sees_everything(principal))
    return _view(principal).model_validate(enterprise)


@router.patch("/{enterprise_id}", response_model=EnterpriseOut)
def update_enterprise(
    session: SessionDep, staff: StaffPrincipal, enterprise_id: int, body: EnterpriseUpdate
) -> EnterpriseOut:
    return EnterpriseOut.model_validate(
        service.update_enterprise(session, enterprise_id, body, actor=token_actor(staff))
    )


@router.delete("/{enterprise_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_enterprise(session: SessionDep, staff: StaffPrincipal, enterprise_id: int) -> Response:
    service.delete_enterprise(session, enterprise_id, actor=token_actor(staff))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
