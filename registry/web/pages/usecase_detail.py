"""One use case: enterprise, scenario requirement profile, gateways with their status, citation, dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import HTMLResponse

from registry.db_session import SessionDep
from registry.enums import ReviewStatus
from registry.evidence.web import evidence_view
from registry.gateways.models import Gateway
from registry.usecases.models import UseCase
from registry.web.i18n import negotiate
from registry.web.scenario_view import profile_rows
from registry.web.templating import render
from registry.web.visibility import is_owner, visible_use_case

router = APIRouter()


def dashboard_url(request: Request, use_case: UseCase) -> str | None:
    """The Grafana drill-down of this use case, when Grafana is configured (I5G_GRAFANA_URL)."""
    base_url = request.app.state.settings.grafana_url
    if not base_url:
        return None
    try:
        from i5g.grafana import drilldown_url
    except ImportError:  # the dashboards part is not installed: no link rather than a broken page
        return None
    return drilldown_url(base_url, use_case.id, use_case.enterprise.city, use_case.enterprise.name)


@router.get("/usecases/{use_case_id}", name="usecase_detail", response_class=HTMLResponse)
def usecase_detail(request: Request, use_case_id: int, session: SessionDep) -> HTMLResponse:
    user = request.state.user
    use_case = visible_use_case(session, user, use_case_id)
    gateways = list(session.scalars(select(Gateway).where(Gateway.use_case_id == use_case.id).order_by(Gateway.id)))
    approved = use_case.review_status == ReviewStatus.approved
    context = {
        "uc": use_case,
        "enterprise": use_case.enterprise,
        "profile": profile_rows(use_case.scenario_key, negotiate(request)),
        "gateways": gateways,
        "dashboard_url": dashboard_url(request, use_case) if approved else None,
        "is_owner": is_owner(user, use_case),
        "approved": approved,
        "nav": "catalog",
        **evidence_view(request, session, use_case),
    }
    return render(request, "usecase_detail.html", context)
