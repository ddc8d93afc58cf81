"""Audit pages: `/audit` for staff (filters, pages, CSV/JSON export), and the history shown on a use case to
staff and its owner (review decisions, stage moves with the evidence the reviewer saw, every other change)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from registry.audit import service
from registry.audit.api import export_events
from registry.audit.models import AuditEvent
from registry.db_session import SessionDep
from registry.evidence.history import stage_history
from registry.evidence.models import StageReview
from registry.gateways.models import Gateway
from registry.pagination import PageRequest
from registry.usecases.models import UseCase
from registry.web.deps import CurrentUser, StaffUser
from registry.web.i18n import MESSAGES
from registry.web.templating import render, translator_for

router = APIRouter()

PAGE_SIZE = 50
FILTER_FIELDS = ("actor", "action", "target_type", "target_id", "since", "until")
# A stage_reviews snapshot belongs to the "usecase.stage" event recorded in the same transaction.
SNAPSHOT_SLACK = timedelta(minutes=1)


def action_label(action: str, lang_t: Any) -> str:
    """The action in the page's language; an action this module does not know (another room's) as it is."""
    key = f"audit.action.{action}"
    return lang_t(key) if key in MESSAGES else action


@dataclass
class HistoryRow:
    at: datetime
    actor: str
    action: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)  # (field, from, to)
    facts: list[tuple[str, Any]] = field(default_factory=list)  # (key, value)
    snapshot: StageReview | None = None


def _row(event: AuditEvent) -> HistoryRow:
    row = HistoryRow(event.at, event.actor, event.action)
    for key, value in sorted((event.detail or {}).items()):
        if isinstance(value, list) and len(value) == 2:
            row.changes.append((key, value[0], value[1]))
        elif value is not None and value != "":
            row.facts.append((key, value))
    return row


def _attach_snapshots(rows: list[HistoryRow], reviews: list[StageReview]) -> list[HistoryRow]:
    """Each stage review's evidence snapshot on its stage event; one without an event (made before the audit
    trail existed) becomes a row of its own."""
    for review in reviews:
        moved = (review.from_stage.value, review.to_stage.value)
        match = next(
            (
                row
                for row in rows
                if row.action == "usecase.stage"
                and row.snapshot is None
                and (row.changes[0][1], row.changes[0][2]) == moved
                and abs(_utc(row.at) - _utc(review.created_at)) <= SNAPSHOT_SLACK
            ),
            None,
        )
        if match is not None:
            match.snapshot = review
        else:
            rows.append(HistoryRow(review.created_at, "", "usecase.stage", [("stage", *moved)], snapshot=review))
    return sorted(rows, key=lambda row: _utc(row.at), reverse=True)


def _utc(moment: datetime) -> datetime:
    return service.as_utc(moment) or moment


def use_case_history(session: Session, user: CurrentUser | None, use_case: UseCase) -> list[HistoryRow] | None:
    """The history of the use case for staff (every event) and its owner (its enterprise's own events); None
    for anyone else, who is shown no history at all."""
    if user is None or not (user.is_staff or (user.is_enterprise and user.enterprise_id == use_case.enterprise_id)):
        return None
    gateway_ids = session.scalars(select(Gateway.id).where(Gateway.use_case_id == use_case.id))
    enterprise_id = None if user.is_staff else use_case.enterprise_id
    events = service.events_for_use_case(session, use_case.id, list(gateway_ids), enterprise_id)
    return _attach_snapshots([_row(event) for event in events], stage_history(session, use_case.id))


def _day(raw: str, *, end: bool) -> datetime | None:
    """A date-range bound from the form (YYYY-MM-DD); the end day is included."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    return service.as_utc(moment)


def _filters(values: dict[str, str]) -> tuple[service.AuditFilters, dict[str, str]]:
    errors = {}
    bounds = {}
    for name, end in (("since", False), ("until", True)):
        if values[name].strip():
            bounds[name] = _day(values[name], end=end)
            if bounds[name] is None:
                errors[name] = "err.invalid_date"
    filters = service.AuditFilters(
        actor=values["actor"].strip() or None,
        action=values["action"].strip() or None,
        target_type=values["target_type"].strip() or None,
        target_id=values["target_id"].strip() or None,
        since=bounds.get("since"),
        until=bounds.get("until"),
    )
    return filters, errors


def _values(request: Request) -> dict[str, str]:
    params = request.query_params
    return {name: params.get(name, "")[:254] for name in FILTER_FIELDS}


@router.get("/audit", name="audit_log", response_class=HTMLResponse)
def audit_log(request: Request, session: SessionDep, _staff: StaffUser, page: int = 1) -> HTMLResponse:
    values = _values(request)
    filters, error_keys = _filters(values)
    t = translator_for(request)
    page = max(1, min(page, 1_000_000))
    events, total = service.list_events(session, filters, PageRequest(page, PAGE_SIZE)) if not error_keys else ([], 0)
    query = {k: v for k, v in values.items() if v}
    context = {
        "events": [(event, _row(event)) for event in events],
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / PAGE_SIZE)),
        "values": values,
        "errors": {name: t(key) for name, key in error_keys.items()},
        "query": urlencode(query),
        "link": lambda **change: "?" + urlencode({**query, **{k: str(v) for k, v in change.items()}}),
        "action_label": lambda action: action_label(action, t),
        "nav": "audit",
    }
    return render(request, "audit.html", context, status_code=400 if error_keys else 200)


def _export(request: Request, session: Session, format: Literal["csv", "json"]) -> Response:
    filters, errors = _filters(_values(request))
    if errors:
        from registry.web.errors import PageError

        raise PageError(400, "err.invalid_date")
    return export_events(session, filters, format)


@router.get("/audit/export.csv", name="audit_export_csv")
def audit_export_csv(request: Request, session: SessionDep, _staff: StaffUser) -> Response:
    return _export(request, session, "csv")


@router.get("/audit/export.json", name="audit_export_json")
def audit_export_json(request: Request, session: SessionDep, _staff: StaffUser) -> Response:
    return _export(request, session, "json")
