"""Evidence in the web UI: the use-case page's compliance card, charts, timeline and per-gateway figures
(`evidence_view`), and the fleet health page (`/fleet`). InfluxDB down: the pages still answer 200 and say
"telemetry unavailable"; nothing else on them depends on it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session
from starlette.responses import HTMLResponse

from registry.db_session import SessionDep
from registry.enterprises import industry_class
from registry.enterprises.models import Enterprise
from registry.enums import LifecycleStage, ReviewStatus
from registry.evidence import history, service
from registry.evidence.charts import kpi_chart, timeline
from registry.evidence.deps import evidence_settings
from registry.evidence.schemas import UseCaseEvidence, WindowName
from registry.usecases.models import UseCase
from registry.web.i18n import Lang, negotiate, translator
from registry.web.scenario_view import metric_label, profile_rows, scenario_options
from registry.web.templating import render
from registry.web.visibility import visible_use_case

router = APIRouter()

PAGE_WINDOWS: tuple[WindowName, ...] = service.CARD_WINDOWS
# The fleet page also offers short live windows ending now (sent to the service as from/to): no data counts
# against availability, so a deployment that started minutes ago can only "meet" over a window it covers.
SHORT_WINDOWS: dict[str, timedelta] = {"15m": timedelta(minutes=15), "1h": timedelta(hours=1)}
FLEET_WINDOWS = (*SHORT_WINDOWS, *PAGE_WINDOWS)
FILTER_MAX = 100


def verdict(compliant: bool | None) -> str:
    """The card's and the fleet's three states (CSS class and message key suffix)."""
    return {True: "meets", False: "fails", None: "no_data"}[compliant]


def chosen_window(raw: str | None) -> WindowName:
    return raw if raw in PAGE_WINDOWS else "24h"  # type: ignore[return-value]


def _chart_labels(lang: Lang) -> dict[str, str]:
    t = translator(lang)
    return {"bound": t("evidence.bound"), "desc": t("evidence.chart_desc")}


def _timeline_labels(lang: Lang) -> dict[str, str]:
    t = translator(lang)
    return {
        "title": t("evidence.timeline"),
        "available": t("evidence.available"),
        "unavailable": t("evidence.unavailable"),
        "no_data": t("evidence.no_data"),
    }


def evidence_view(request: Request, session: Session, use_case: UseCase) -> dict[str, Any]:
    """What the use-case page (and the printable report) show of the evidence, for the window asked for."""
    lang = negotiate(request)
    window = chosen_window(request.query_params.get("window"))
    try:
        card = service.compliance_card(session, use_case, settings=evidence_settings(request))
    except service.TelemetryUnavailable:
        return {"evidence_unavailable": True, "evidence_window": window, "evidence_windows": PAGE_WINDOWS}
    selected = card.get(window)
    return {
        "evidence_unavailable": False,
        "evidence_window": window,
        "evidence_windows": PAGE_WINDOWS,
        "card": [(name, card.get(name)) for name in PAGE_WINDOWS],
        "evidence": selected,
        "charts": _charts(selected, use_case.scenario_key, lang) if selected else [],
        "timeline_svg": timeline(selected.timeline, labels=_timeline_labels(lang), chart_id="timeline")
        if selected
        else "",
        "gateway_evidence": {g.gateway_id: g for g in selected.gateways} if selected else {},
    }


def _charts(evidence: UseCaseEvidence, scenario: str, lang: Lang) -> list[tuple[str, Any]]:
    labels = _chart_labels(lang)
    charts = []
    for index, series in enumerate(evidence.series):
        metric = next((k.metric for k in evidence.kpis if k.kpi == series.kpi), series.kpi)
        label = metric_label(metric, series.kpi, lang)
        charts.append((label, kpi_chart(series, label=label, legend=labels, chart_id=f"chart-{index}")))
    return charts


def _clean(request: Request, name: str) -> str:
    return (request.query_params.get(name) or "").strip()[:FILTER_MAX]


def _filter_menus(session: Session, lang: Lang) -> dict[str, Any]:
    approved = (
        select(Enterprise.city, Enterprise.industry_code)
        .join(UseCase, UseCase.enterprise_id == Enterprise.id)
        .where(UseCase.review_status == ReviewStatus.approved)
        .distinct()
    )
    rows = session.execute(approved).all()
    return {
        "cities": sorted({city for city, _ in rows}),
        "industries": industry_class.options(lang, [code for _, code in rows if code]),
        "scenario_options": scenario_options(lang),
    }


@router.get("/fleet", name="fleet_health", response_class=HTMLResponse)
def fleet_health(request: Request, session: SessionDep) -> HTMLResponse:
    """Every visible use case with its compliance, worst first (the order of service.fleet_evidence)."""
    lang = negotiate(request)
    user = request.state.user
    query = {name: _clean(request, name) for name in ("city", "industry", "scenario")}
    raw_window = request.query_params.get("window")
    window = raw_window if raw_window in SHORT_WINDOWS else chosen_window(raw_window)
    settings = evidence_settings(request)
    filters = service.FleetFilters(
        city=query["city"] or None,
        industry=query["industry"] or None,  # the menu's GB/T 4754 division code
        scenario=query["scenario"] or None,
        approved_only=not (user is not None and user.is_staff),
        enterprise_id=getattr(user, "enterprise_id", None),
    )
    context: dict[str, Any] = {
        "query": query,
        "window": window,
        "windows": FLEET_WINDOWS,
        "nav": "fleet",
        **_filter_menus(session, lang),
    }
    try:
        if window in SHORT_WINDOWS:
            now = service.utcnow()
            spec = service.parse_window(None, now - SHORT_WINDOWS[window], now, settings=settings)
        else:
            spec = service.parse_window(window, settings=settings)
        fleet = service.fleet_evidence(session, filters, spec, settings=settings)
    except service.TelemetryUnavailable:
        return render(request, "fleet.html", {**context, "evidence_unavailable": True, "rows": []})
    except service.WindowInvalid:  # e.g. 30d with raw retention shorter and no rollups: say so, offer the others
        context.update(evidence_unavailable=False, window_invalid=True, rows=[])
        return render(request, "fleet.html", context, status_code=422)
    context.update(
        evidence_unavailable=False,
        fleet=fleet,
        rows=fleet.rows,
        industry_of={row.use_case_id: row.industry_code for row in fleet.rows},
        verdict=verdict,
    )
    return render(request, "fleet.html", context)


@router.get("/usecases/{use_case_id}/report", name="usecase_report", response_class=HTMLResponse)
def usecase_report(request: Request, use_case_id: int, session: SessionDep) -> HTMLResponse:
    """A printable compliance report (print stylesheet) a bureau can attach to a demonstration nomination."""
    use_case = visible_use_case(session, request.state.user, use_case_id)
    context = {
        "uc": use_case,
        "enterprise": use_case.enterprise,
        "profile": profile_rows(use_case.scenario_key, negotiate(request)),
        "generated_at": service.utcnow(),
        "nav": "catalog",
        **evidence_view(request, session, use_case),
    }
    return render(request, "report.html", context)


def _card_or_none(request: Request, session: Session, use_case: UseCase) -> dict[str, UseCaseEvidence] | None:
    try:
        return service.compliance_card(session, use_case, settings=evidence_settings(request))
    except service.TelemetryUnavailable:
        return None


def review_evidence(request: Request, use_case: UseCase) -> dict[str, Any]:
    """What the staff edit form shows before a stage move: the card and the history of earlier moves."""
    session = object_session(use_case)
    assert session is not None, "the use case comes from the request's session"
    card = _card_or_none(request, session, use_case)
    return {
        "review_card": [(name, card.get(name)) for name in PAGE_WINDOWS] if card is not None else [],
        "review_unavailable": card is None,
        "stage_history": history.stage_history(session, use_case.id),
        "evidence_stages": sorted(stage.value for stage in history.EVIDENCE_STAGES),
    }


def record_if_evidence_stage(request: Request, use_case: UseCase, before: LifecycleStage) -> None:
    """After a staff edit: a move into operating / demonstration keeps a snapshot of the evidence. Computed
    at saving with the same windows the form showed (hidden form fields could be forged)."""
    if use_case.stage == before or use_case.stage not in history.EVIDENCE_STAGES:
        return
    session = object_session(use_case)
    assert session is not None
    user = request.state.user
    card = _card_or_none(request, session, use_case)
    history.record_stage_move(session, use_case.id, getattr(user, "id", None), before, use_case.stage, card)
