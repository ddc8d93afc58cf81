"""The public catalog's query: filters from the URL, one page of approved use cases, and facet counts.

Filtering is the use-case service's (`filtered_query`), so the catalog, the API listing and the export agree
on what "city = 常州, q = 钢铁" means; this module adds the counts per scenario and per city.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from registry.enterprises import industry_class
from registry.enterprises.models import Enterprise
from registry.enums import LifecycleStage, ReviewStatus
from registry.usecases.models import UseCase
from registry.usecases.service import UseCaseFilters, filtered_query

FILTER_PARAMS = ("q", "city", "industry", "scenario", "stage")
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class CatalogQuery:
    """What the catalog URL asks for, already cleaned: unknown stages and junk page numbers are ignored."""

    q: str = ""
    city: str = ""
    industry: str = ""
    scenario: str = ""
    stage: str = ""
    status: str = ""  # staff only: the review status filter of the export
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, allow_status: bool = False) -> CatalogQuery:
        def clean(name: str) -> str:
            return (params.get(name) or "").strip()[:MAX_QUERY_LENGTH]

        stage = clean("stage")
        status = clean("status") if allow_status else ""
        try:
            page = max(1, min(int(params.get("page") or 1), 1_000_000))
        except ValueError:
            page = 1
        return cls(
            q=clean("q"),
            city=clean("city"),
            industry=clean("industry"),
            scenario=clean("scenario"),
            stage=stage if stage in LifecycleStage.__members__ else "",
            status=status if status in ReviewStatus.__members__ else "",
            page=page,
        )

    def filters(self, *, approved_only: bool = True) -> UseCaseFilters:
        # The menu offers GB/T 4754 divisions; an older link carrying a document's wording still works.
        is_code = industry_class.get(self.industry) is not None
        return UseCaseFilters(
            city=self.city or None,
            industry_code=self.industry if is_code else None,
            industry=self.industry if self.industry and not is_code else None,
            scenario=self.scenario or None,
            stage=LifecycleStage(self.stage) if self.stage else None,
            review_status=ReviewStatus(self.status) if self.status else None,
            q=self.q or None,
            approved_only=approved_only,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-empty URL parameters of this query with some changed (links of facets and pager)."""
        values = {name: getattr(self, name) for name in (*FILTER_PARAMS, "status", "page")}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v and not (k == "page" and int(v) == 1)}

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in FILTER_PARAMS)


def enterprise_count(session: Session, filters: UseCaseFilters) -> int:
    where = filtered_query(session, filters).whereclause
    stmt = select(func.count(func.distinct(UseCase.enterprise_id))).select_from(UseCase).join(UseCase.enterprise)
    return int(session.scalar(stmt.where(where) if where is not None else stmt) or 0)


def _counts(session: Session, filters: UseCaseFilters, column: ColumnElement[Any]) -> list[tuple[str, int]]:
    where = filtered_query(session, filters).whereclause
    stmt = select(column, func.count(UseCase.id)).select_from(UseCase).join(UseCase.enterprise)
    if where is not None:
        stmt = stmt.where(where)
    stmt = stmt.group_by(column).order_by(func.count(UseCase.id).desc(), column)
    return [(str(value), int(count)) for value, count in session.execute(stmt)]


def scenario_counts(session: Session, filters: UseCaseFilters) -> list[tuple[str, int]]:
    """Counts per scenario under every filter but the scenario one (so each link shows what it would give)."""
    return _counts(session, replace(filters, scenario=None), UseCase.scenario_key)


def city_counts(session: Session, filters: UseCaseFilters) -> list[tuple[str, int]]:
    return _counts(session, replace(filters, city=None), Enterprise.city)


def distinct_values(session: Session, column: ColumnElement[str]) -> list[str]:
    """Values for a filter menu: those present among approved use cases."""
    stmt = (
        select(column)
        .select_from(UseCase)
        .join(UseCase.enterprise)
        .where(UseCase.review_status == ReviewStatus.approved)
        .distinct()
        .order_by(column)
    )
    return [str(v) for v in session.scalars(stmt) if v]
