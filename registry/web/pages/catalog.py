"""The public catalog: approved use cases, filtered, paginated, with counts per scenario and per city."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from registry.db_session import SessionDep
from registry.enterprises import industry_class
from registry.enterprises.models import Enterprise
from registry.pagination import PageRequest
from registry.usecases.service import list_use_cases
from registry.web.catalog_query import CatalogQuery, city_counts, distinct_values, enterprise_count, scenario_counts
from registry.web.i18n import negotiate
from registry.web.scenario_view import scenario_options
from registry.web.templating import render
from registry.web.widgets import enum_options

router = APIRouter()


@router.get("/", name="catalog", response_class=HTMLResponse)
def catalog(request: Request, session: SessionDep) -> HTMLResponse:
    lang = negotiate(request)
    user = request.state.user
    query = CatalogQuery.from_params(request.query_params)
    filters = query.filters()
    page_size = request.app.state.web_settings.page_size
    items, total = list_use_cases(session, filters, PageRequest(query.page, page_size))
    pages = max(1, -(-total // page_size))

    def link(**changes: object) -> str:
        params = query.params(**changes)
        return "?" + urlencode(params) if params else "?"

    context = {
        "query": query,
        "items": items,
        "total": total,
        "page": query.page,
        "pages": pages,
        "link": link,
        "scenario_counts": scenario_counts(session, filters),
        "city_counts": city_counts(session, filters),
        "enterprise_count": enterprise_count(session, filters),
        "cities": distinct_values(session, Enterprise.city),
        "industries": industry_class.options(lang, distinct_values(session, Enterprise.industry_code)),
        "scenario_options": scenario_options(lang),
        "stages": enum_options("LifecycleStage", lang),
        "export_params": urlencode(query.params(page=1)),
        "can_export": user is not None and user.is_staff,
        "nav": "catalog",
    }
    return render(request, "catalog.html", context)
