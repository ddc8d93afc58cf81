from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.cities.models import CityFigure
from registry.cities.schemas import CityOut
from registry.pagination import PageRequest, fetch_page


@dataclass(frozen=True)
class FigureFilters:
    city: str | None = None
    province: str | None = None
    metric: str | None = None
    year: int | None = None


def list_figures(session: Session, filters: FigureFilters, page: PageRequest) -> tuple[list[CityFigure], int]:
    stmt = select(CityFigure)
    for column, value in (
        (CityFigure.city, filters.city),
        (CityFigure.province, filters.province),
        (CityFigure.metric, filters.metric),
        (CityFigure.year, filters.year),
    ):
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    return fetch_page(session, stmt.order_by(CityFigure.city, CityFigure.metric, CityFigure.id), page)


def list_cities(session: Session) -> list[CityOut]:
    rows = session.execute(
        select(CityFigure.city, CityFigure.province, func.count())
        .group_by(CityFigure.city, CityFigure.province)
        .order_by(CityFigure.province, CityFigure.city)
    )
    return [CityOut(city=city, province=province, figures=count) for city, province, count in rows]
