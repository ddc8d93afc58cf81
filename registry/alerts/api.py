"""REST: alerts (list, detail, acknowledge, silence), a use case's alert rules, notification channels.

Who: staff with an API token see and change everything; an enterprise user with its signed-in browser session
sees and changes its own use cases' alerts, rules and channels (writes also need the page's CSRF token in the
`X-CSRF-Token` header, as for gateway credentials); anybody else gets 401/403. Something outside the caller's
scope is a 404, like something missing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from registry.alerts import service
from registry.alerts.models import AlertState
from registry.alerts.schemas import (
    AlertDetail,
    AlertEventOut,
    AlertOut,
    ChannelCreate,
    ChannelOut,
    ChannelUpdate,
    RuleOut,
    RuleUpdate,
    SilenceBody,
)
from registry.audit.service import Actor
from registry.auth.browser import browser_user
from registry.auth.deps import OptionalPrincipal
from registry.db_session import SessionDep
from registry.errors import FieldInvalid, Forbidden

router = APIRouter(tags=["alerts"])


class Caller:
    def __init__(self, scope: service.Scope, actor: Actor) -> None:
        self.scope = scope
        self.actor = actor


def alert_caller(request: Request, session: SessionDep, principal: OptionalPrincipal) -> Caller:
    if principal is not None:
        if not principal.is_staff:
            raise Forbidden(f"token {principal.name!r} may not use alerts")
        return Caller(service.Scope(True, None), Actor("token", principal.name))
    user = browser_user(request, session, needs="a staff API token")
    return Caller(service.Scope(user.is_staff, user.enterprise_id), Actor("user", user.email))


CallerDep = Annotated[Caller, Depends(alert_caller)]


@router.get("/alerts", response_model=list[AlertOut], summary="Alerts, newest first (staff: all; owners: their own)")
def list_alerts(
    session: SessionDep,
    caller: CallerDep,
    state: AlertState | None = None,
    usecase: Annotated[int | None, Query(gt=0, description="only this use case's alerts")] = None,
    gateway: Annotated[str | None, Query(max_length=64, description="only this gateway's alerts")] = None,
    limit: Annotated[int, Query(ge=1, le=service.LIST_LIMIT)] = 100,
) -> list[AlertOut]:
    rows = service.list_alerts(session, caller.scope, state=state, use_case_id=usecase, gateway_id=gateway, limit=limit)
    return [service.alert_out(alert) for alert in rows]


@router.get("/alerts/{alert_id}", response_model=AlertDetail, summary="One alert with its full history")
def get_alert(session: SessionDep, caller: CallerDep, alert_id: int) -> AlertDetail:
    return _detail(service.get_alert(session, caller.scope, alert_id))


def _detail(alert) -> AlertDetail:  # type: ignore[no-untyped-def]
    events = [AlertEventOut.model_validate(event) for event in alert.events]
    return AlertDetail(**service.alert_out(alert).model_dump(), events=events)


@router.post("/alerts/{alert_id}/ack", response_model=AlertDetail, summary="Acknowledge an open alert")
def acknowledge(session: SessionDep, caller: CallerDep, alert_id: int) -> AlertDetail:
    alert = service.get_alert(session, caller.scope, alert_id)
    service.acknowledge(session, alert, caller.actor, datetime.now(UTC))
    session.flush()
    session.refresh(alert)
    return _detail(alert)


@router.post("/alerts/{alert_id}/silence", response_model=AlertDetail, summary="No notifications until a time")
def silence(session: SessionDep, caller: CallerDep, alert_id: int, body: SilenceBody) -> AlertDetail:
    now = datetime.now(UTC)
    if (body.until is None) == (body.minutes is None):
        raise FieldInvalid("until", "give either until (ISO 8601) or minutes (1 to 43200)")
    until = body.until if body.until is not None else now + timedelta(minutes=body.minutes or 0)
    until = until.replace(tzinfo=UTC) if until.tzinfo is None else until
    alert = service.get_alert(session, caller.scope, alert_id)
    service.silence(session, alert, until, caller.actor, now)
    session.flush()
    session.refresh(alert)
    return _detail(alert)


@router.get("/usecases/{use_case_id}/alert-rules", response_model=list[RuleOut], summary="A use case's alert rules")
def list_rules(session: SessionDep, caller: CallerDep, use_case_id: int) -> list[RuleOut]:
    """Empty until the evaluator's first round after the use case got an enabled gateway (it adds the defaults
    from the scenario profile then)."""
    return [RuleOut.model_validate(rule) for rule in service.rules_of(session, caller.scope, use_case_id)]


@router.patch("/alert-rules/{rule_id}", response_model=RuleOut, summary="Change a rule's threshold, duration, window")
def update_rule(session: SessionDep, caller: CallerDep, rule_id: int, body: RuleUpdate) -> RuleOut:
    rule = service.get_rule(session, caller.scope, rule_id)
    service.update_rule(session, rule, body, caller.actor)
    session.flush()
    return RuleOut.model_validate(rule)


@router.get("/alert-channels", response_model=list[ChannelOut], summary="Notification channels with their last error")
def list_channels(
    session: SessionDep, caller: CallerDep, usecase: Annotated[int | None, Query(gt=0)] = None
) -> list[ChannelOut]:
    return [service.channel_out(session, c) for c in service.list_channels(session, caller.scope, usecase)]


@router.post("/alert-channels", response_model=ChannelOut, status_code=status.HTTP_201_CREATED)
def create_channel(session: SessionDep, caller: CallerDep, body: ChannelCreate) -> ChannelOut:
    channel = service.create_channel(session, caller.scope, body, caller.actor)
    return service.channel_out(session, channel)


@router.patch("/alert-channels/{channel_id}", response_model=ChannelOut)
def update_channel(session: SessionDep, caller: CallerDep, channel_id: int, body: ChannelUpdate) -> ChannelOut:
    channel = service.get_channel(session, caller.scope, channel_id)
    service.update_channel(session, caller.scope, channel, body, caller.actor)
    session.flush()
    return service.channel_out(session, channel)


@router.delete("/alert-channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_channel(session: SessionDep, caller: CallerDep, channel_id: int) -> Response:
    channel = service.get_channel(session, caller.scope, channel_id)
    service.delete_channel(session, caller.scope, channel, caller.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
