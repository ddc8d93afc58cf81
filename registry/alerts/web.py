"""Alert pages: the staff alerts page (/alerts), a use case's alerts, rules and channels (/usecases/{id}/alerts,
for its owner and staff), and the forms behind them (acknowledge, silence, rule thresholds, channels). The
use-case page shows the open alerts through `alerts_view`. Every change goes through registry.alerts.service,
exactly as the REST API does, so both accept the same values and write the same audit events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from i5g.alert_rules import RuleKind
from registry.alerts import service
from registry.alerts.models import Alert, AlertState, ChannelKind
from registry.alerts.schemas import ChannelCreate, RuleUpdate
from registry.audit.service import Actor
from registry.db_session import SessionDep
from registry.errors import FieldInvalid, NotFound
from registry.usecases.models import UseCase
from registry.web import flash
from registry.web.csrf import require_csrf
from registry.web.deps import CurrentUser, StaffUser, require_user
from registry.web.errors import PageError, Refused
from registry.web.forms import form_values
from registry.web.redirects import safe_next, see_other
from registry.web.templating import render, translator_for

router = APIRouter()
T = TypeVar("T")

STATE_TABS = ("open", "firing", "pending", "resolved")
SILENCE_CHOICES = (60, 240, 1440, 10080)  # minutes offered by the form; 0 lifts a silence


def scope_of(user: CurrentUser | None) -> service.Scope | None:
    """Who may see alerts on the pages: staff all, an enterprise user its own; anonymous visitors none."""
    if user is None:
        return None
    return service.Scope(user.is_staff, user.enterprise_id)


def _scope(user: CurrentUser) -> service.Scope:
    scope = scope_of(user)
    assert scope is not None  # a signed-in user always has one
    return scope


def _or_404(lookup: Callable[..., T], *args: Any, key: str = "err.not_found") -> T:
    """The thing, or the page's 404 for a missing one and for one outside the user's scope alike."""
    try:
        return lookup(*args)
    except NotFound:
        raise PageError(404, key) from None


def _actor(user: CurrentUser) -> Actor:
    return Actor("user", user.email)


def alerts_view(session: Session, user: CurrentUser | None, use_case: UseCase) -> dict[str, Any]:
    """What the use-case page shows of alerts: its open alerts and, per gateway, how many are open (owner and
    staff only; nothing for anybody else)."""
    scope = scope_of(user)
    if scope is None or not scope.sees(use_case):
        return {"open_alerts": None, "gateway_alerts": {}}
    open_alerts = service.list_alerts(session, scope, use_case_id=use_case.id, open_only=True)
    per_gateway: dict[str, int] = {}
    for alert in open_alerts:
        per_gateway[alert.subject] = per_gateway.get(alert.subject, 0) + 1
    return {"open_alerts": open_alerts, "gateway_alerts": per_gateway}


def _state_filter(tab: str) -> dict[str, Any]:
    if tab == "open":
        return {"open_only": True}
    return {"state": AlertState(tab)}


@router.get("/alerts", name="alerts_page", response_class=HTMLResponse)
def alerts_page(request: Request, session: SessionDep, _staff: StaffUser, state: str = "open") -> HTMLResponse:
    if state not in STATE_TABS:
        raise PageError(404, "err.not_found")
    return _staff_page(request, session, state)


def _staff_page(request: Request, session: Session, state: str, status_code: int = 200, **form: Any) -> HTMLResponse:
    scope = service.Scope(True, None)
    context = {
        "alerts": service.list_alerts(session, scope, limit=200, **_state_filter(state)),
        "state": state,
        "tabs": STATE_TABS,
        "channels": [service.channel_out(session, c) for c in service.list_channels(session, scope)],
        "channel_kinds": list(ChannelKind),
        "silence_choices": SILENCE_CHOICES,
        "nav": "alerts",
        "back": str(request.url.path) + f"?state={state}",
        "add_channel_url": request.url_for("alert_channel_add_all").path,
        **_form_state(**form),
    }
    return render(request, "alerts.html", context, status_code=status_code)


def _form_state(**overrides: Any) -> dict[str, Any]:
    return {"rule_errors": {}, "channel_error": None, "channel_values": {}, **overrides}


def _use_case_page(
    request: Request, session: Session, user: CurrentUser, use_case_id: int, status_code: int = 200, **state: Any
) -> HTMLResponse:
    scope = _scope(user)
    use_case = _or_404(service.visible_use_case, session, scope, use_case_id, key="usecase.not_found")
    rules = service.rules_of(session, scope, use_case_id)
    context = {
        "uc": use_case,
        "alerts": service.list_alerts(session, scope, use_case_id=use_case.id, limit=100),
        "rules": rules,
        "ranges": {rule.id: service.threshold_range(rule) for rule in rules},
        "channels": [service.channel_out(session, c) for c in service.list_channels(session, scope, use_case.id)],
        "channel_kinds": list(ChannelKind),
        "silence_choices": SILENCE_CHOICES,
        "nav": None,
        "back": str(request.url_for("usecase_alerts", use_case_id=use_case.id).path),
        "add_channel_url": request.url_for("alert_channel_add", use_case_id=use_case.id).path,
        **_form_state(**state),
    }
    return render(request, "usecase_alerts.html", context, status_code=status_code)


@router.get("/usecases/{use_case_id}/alerts", name="usecase_alerts", response_class=HTMLResponse)
def usecase_alerts(
    request: Request, use_case_id: int, session: SessionDep, user: CurrentUser = Depends(require_user)
) -> HTMLResponse:
    return _use_case_page(request, session, user, use_case_id)


def _alert_or_404(session: Session, user: CurrentUser, alert_id: int) -> Alert:
    return _or_404(service.get_alert, session, _scope(user), alert_id)


@router.post("/alerts/{alert_id}/ack", name="alert_ack", dependencies=[Depends(require_csrf)])
async def alert_ack(
    request: Request, alert_id: int, session: SessionDep, user: CurrentUser = Depends(require_user)
) -> Response:
    alert = _alert_or_404(session, user, alert_id)
    next_url = form_values(await request.form(), ("next",))["next"]
    try:
        service.acknowledge(session, alert, _actor(user), datetime.now(UTC))
        flash.add(request, "ok", "alerts.acked")
    except FieldInvalid:
        flash.add(request, "error", "alerts.err.resolved")
    return see_other(safe_next(next_url, "/"))


@router.post("/alerts/{alert_id}/silence", name="alert_silence", dependencies=[Depends(require_csrf)])
async def alert_silence(
    request: Request, alert_id: int, session: SessionDep, user: CurrentUser = Depends(require_user)
) -> Response:
    alert = _alert_or_404(session, user, alert_id)
    values = form_values(await request.form(), ("minutes", "next"))
    if values["minutes"] not in {str(m) for m in (0, *SILENCE_CHOICES)}:
        raise PageError(400, "err.bad_request")
    now = datetime.now(UTC)
    service.silence(session, alert, now + timedelta(minutes=int(values["minutes"])), _actor(user), now)
    flash.add(request, "ok", "alerts.silenced" if values["minutes"] != "0" else "alerts.unsilenced")
    return see_other(safe_next(values["next"], "/"))


@router.post("/alert-rules/{rule_id}", name="alert_rule_save", dependencies=[Depends(require_csrf)])
async def alert_rule_save(
    request: Request, rule_id: int, session: SessionDep, user: CurrentUser = Depends(require_user)
) -> Response:
    rule = _or_404(service.get_rule, session, _scope(user), rule_id)
    form = await request.form()
    values = form_values(form, ("threshold", "for_s", "window_s"))
    wanted: dict[str, Any] = {"threshold": values["threshold"], "for_s": values["for_s"], "enabled": "enabled" in form}
    if rule.kind in (RuleKind.availability, RuleKind.dead_letters, RuleKind.spool_backlog):
        wanted["window_s"] = values["window_s"]
    t = translator_for(request)
    try:
        service.update_rule(session, rule, RuleUpdate.model_validate(wanted), _actor(user))
    except (ValidationError, FieldInvalid):
        low, high = service.threshold_range(rule)
        error = t("alerts.err.rule", min=f"{low:g}", max=f"{high:g}")
        # Raised: the request's transaction rolls back at the edge, nothing of the rejected form is kept.
        raise Refused(
            _use_case_page(request, session, user, rule.use_case_id, 422, rule_errors={rule.id: error})
        ) from None
    flash.add(request, "ok", "alerts.rule_saved")
    return see_other(str(request.url_for("usecase_alerts", use_case_id=rule.use_case_id).path))


async def _add_channel(request: Request, session: Session, user: CurrentUser, use_case_id: int | None) -> Response:
    scope = _scope(user)
    values = form_values(await request.form(), ("kind", "name", "target", "secret"))
    body = {**values, "use_case_id": use_case_id, "secret": values["secret"] or None}
    t = translator_for(request)
    try:
        service.create_channel(session, scope, ChannelCreate.model_validate(body), _actor(user))
    except (ValidationError, FieldInvalid):
        shown = {k: v for k, v in values.items() if k != "secret"}  # a secret is never echoed back
        state = {"channel_error": t("alerts.err.channel"), "channel_values": shown}
        if use_case_id is None:
            raise Refused(_staff_page(request, session, "open", 422, **state)) from None
        raise Refused(_use_case_page(request, session, user, use_case_id, 422, **state)) from None
    flash.add(request, "ok", "alerts.channel_added")
    if use_case_id is None:
        return see_other(str(request.url_for("alerts_page").path))
    return see_other(str(request.url_for("usecase_alerts", use_case_id=use_case_id).path))


@router.post("/usecases/{use_case_id}/alert-channels", name="alert_channel_add", dependencies=[Depends(require_csrf)])
async def alert_channel_add(
    request: Request, use_case_id: int, session: SessionDep, user: CurrentUser = Depends(require_user)
) -> Response:
    _or_404(service.visible_use_case, session, _scope(user), use_case_id, key="usecase.not_found")
    return await _add_channel(request, session, user, use_case_id)


@router.post("/alert-channels", name="alert_channel_add_all", dependencies=[Depends(require_csrf)])
async def alert_channel_add_all(request: Request, session: SessionDep, user: StaffUser) -> Response:
    return await _add_channel(request, session, user, None)


@router.post("/alert-channels/{channel_id}/delete", name="alert_channel_delete", dependencies=[Depends(require_csrf)])
async def alert_channel_delete(
    request: Request, channel_id: int, session: SessionDep, user: CurrentUser = Depends(require_user)
) -> Response:
    scope = _scope(user)
    channel = _or_404(service.get_channel, session, scope, channel_id)
    use_case_id = channel.use_case_id
    service.delete_channel(session, scope, channel, _actor(user))
    flash.add(request, "ok", "alerts.channel_deleted")
    if use_case_id is None:
        return see_other(str(request.url_for("alerts_page").path))
    return see_other(str(request.url_for("usecase_alerts", use_case_id=use_case_id).path))
