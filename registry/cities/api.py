from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from registry.cities import service
from registry.cities.schemas import CityFigureOut, CityOut
from registry.db_session import SessionDep
from registry.pagination import Page, PageRequest, page_of, page_request

router = APIRouter(prefix="/cities", tags=["cities"])


@router.get("", response_model=list[CityOut], summary="Cities with figures, and how many")
def list_cities(session: SessionDep) -> list[CityOut]:
    return service.list_cities(session)


@router.get("/figures", response_model=Page[CityFigureOut], summary="Figures from municipal documents")
def list_figures(
    session: SessionDep,
    page: Annotated[PageRequest, Depends(page_request)],
    city: str | None = None,
    province: str | None = None,
    metric: str | None = None,
    year: int | None = None,
) -> Page[CityFigureOut]:
    filters = service.FigureFilters(city=city, province=province, metric=metric, year=year)
    rows, total = service.list_figures(session, filters, page)
    return page_of(CityFigureOut, rows, total, page)
