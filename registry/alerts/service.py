"""Reading and changing alerts, rules and channels for the REST API and the pages. Nothing here commits; every
change a person makes is recorded in the audit trail in the same session (alert.rule.update, alert.ack,
alert.silence, alert.channel.create/update/delete).

Visibility (`Scope`): staff see everything; an enterprise user sees the alerts, rules and channels of its own
enterprise's use cases; nobody else sees any. Something outside the scope is answered like something missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from i5g.alert_rules import RuleKind
from i5g.contract import KPIS
from registry.alerts.models import (
    Alert,
    AlertChannel,
    AlertEvent,
    AlertRule,
    AlertState,
    DeliveryState,
    Notification,
)
from registry.alerts.schemas import AlertOut, ChannelCreate, ChannelOut, ChannelUpdate, RuleUpdate
from registry.alerts.targets import TargetRejected, check_target, redacted
from registry.audit.service import Actor, changes, record
from registry.errors import FieldInvalid, Forbidden, NotFound
from registry.usecases.models import UseCase

LIST_LIMIT = 500


@dataclass(frozen=True)
class Scope:
    staff: bool
    enterprise_id: int | None

    def sees(self, use_case: UseCase) -> bool:
        return self.staff or (self.enterprise_id is not None and use_case.enterprise_id == self.enterprise_id)


def _scoped(stmt: Select, scope: Scope) -> Select:  # type: ignore[type-arg]
    if scope.staff:
        return stmt
    owned = select(UseCase.id).where(UseCase.enterprise_id == scope.enterprise_id)
    return stmt.where(Alert.use_case_id.in_(owned))


# ------------------------------------------------------------------------------------------------ alerts


def list_alerts(
    session: Session,
    scope: Scope,
    *,
    state: AlertState | None = None,
    use_case_id: int | None = None,
    gateway_id: str | None = None,
    open_only: bool = False,
    limit: int = LIST_LIMIT,
) -> list[Alert]:
    stmt = _scoped(select(Alert).join(Alert.rule), scope)
    if state is not None:
        stmt = stmt.where(Alert.state == state)
    if open_only:
        stmt = stmt.where(Alert.open_key.is_not(None))
    if use_case_id is not None:
        stmt = stmt.where(Alert.use_case_id == use_case_id)
    if gateway_id is not None:
        stmt = stmt.where(Alert.subject == gateway_id)
    return list(session.scalars(stmt.order_by(Alert.started_at.desc(), Alert.id.desc()).limit(limit)))


def alert_out(alert: Alert) -> AlertOut:
    return AlertOut.model_validate(
        {
            **{c: getattr(alert, c) for c in AlertOut.model_fields if hasattr(alert, c)},
            "kind": alert.rule.kind,
            "kpi": alert.rule.kpi,
        }
    )


def get_alert(session: Session, scope: Scope, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None or not scope.sees(session.get(UseCase, alert.use_case_id)):  # type: ignore[arg-type]
        raise NotFound("alert", alert_id)
    return alert


def acknowledge(session: Session, alert: Alert, actor: Actor, now: datetime) -> Alert:
    if alert.state == AlertState.resolved:
        raise FieldInvalid("state", "a resolved alert cannot be acknowledged")
    alert.acked_by, alert.acked_at = actor.name, now
    session.add(AlertEvent(alert_id=alert.id, at=now, kind="acknowledged", actor=actor.name, detail={}))
    _audit(session, actor, "alert.ack", alert, {})
    return alert


def silence(session: Session, alert: Alert, until: datetime, actor: Actor, now: datetime) -> Alert:
    """No notifications for this alert until `until` (a time in the past lifts the silence)."""
    if until - now > timedelta(days=30):
        raise FieldInvalid("until", "a silence may last at most 30 days")
    before = alert.silenced_until.isoformat() if alert.silenced_until else None
    alert.silenced_until, alert.silenced_by = until, actor.name
    detail = {"until": until.isoformat()}
    session.add(AlertEvent(alert_id=alert.id, at=now, kind="silenced", actor=actor.name, detail=detail))
    _audit(session, actor, "alert.silence", alert, {"silenced_until": [before, until.isoformat()]})
    return alert


def _audit(session: Session, actor: Actor, action: str, alert: Alert, detail: dict[str, object]) -> None:
    use_case = session.get(UseCase, alert.use_case_id)
    record(
        session,
        actor,
        action,
        "alert",
        alert.id,
        enterprise_id=use_case.enterprise_id if use_case else None,
        detail={"subject": alert.subject, "rule_id": alert.rule_id, **detail},
    )


# ------------------------------------------------------------------------------------------------- rules


def visible_use_case(session: Session, scope: Scope, use_case_id: int) -> UseCase:
    use_case = session.get(UseCase, use_case_id)
    if use_case is None or not scope.sees(use_case):
        raise NotFound("use case", use_case_id)
    return use_case


def rules_of(session: Session, scope: Scope, use_case_id: int) -> list[AlertRule]:
    """The use case's rules. The evaluator adds the defaults from the scenario profile in its first round after
    the use case gets an enabled gateway (reads never write: a GET stays a read-only transaction)."""
    visible_use_case(session, scope, use_case_id)
    rules = session.scalars(select(AlertRule).where(AlertRule.use_case_id == use_case_id))
    return sorted(rules, key=lambda r: (list(RuleKind).index(r.kind), r.kpi))


def get_rule(session: Session, scope: Scope, rule_id: int) -> AlertRule:
    rule = session.get(AlertRule, rule_id)
    if rule is None or not scope.sees(session.get(UseCase, rule.use_case_id)):  # type: ignore[arg-type]
        raise NotFound("alert rule", rule_id)
    return rule


RULE_FIELDS = ("threshold", "for_s", "window_s", "enabled")


def update_rule(session: Session, rule: AlertRule, body: RuleUpdate, actor: Actor) -> AlertRule:
    wanted = body.changes()
    threshold = wanted.get("threshold")
    if threshold is not None:
        check_threshold(rule, threshold)
    before = {name: getattr(rule, name) for name in RULE_FIELDS}
    for name, value in wanted.items():
        setattr(rule, name, value)
    use_case = session.get(UseCase, rule.use_case_id)
    detail = {"kind": str(rule.kind), "kpi": rule.kpi, **changes(before, {n: getattr(rule, n) for n in RULE_FIELDS})}
    record(
        session,
        actor,
        "alert.rule.update",
        "alert_rule",
        rule.id,
        enterprise_id=use_case.enterprise_id if use_case else None,
        detail=detail,
    )
    return rule


def threshold_range(rule: AlertRule) -> tuple[float, float]:
    """What a rule's threshold may be: a percentage 0-100, a count >= 0, a KPI within the telemetry contract's
    valid range."""
    if rule.kind == RuleKind.availability:
        return 0.0, 100.0
    kpi = KPIS.get(rule.kpi)
    if rule.kind == RuleKind.kpi_bound and kpi is not None:
        return float(kpi.minimum), float(kpi.maximum)
    return 0.0, 1e9


def check_threshold(rule: AlertRule, value: float) -> None:
    low, high = threshold_range(rule)
    if not math.isfinite(value) or not low <= value <= high:
        unit = KPIS[rule.kpi].unit if rule.kpi in KPIS else ""
        raise FieldInvalid("threshold", f"must be between {low:g} and {high:g} {unit}".strip())


# ---------------------------------------------------------------------------------------------- channels


def list_channels(session: Session, scope: Scope, use_case_id: int | None = None) -> list[AlertChannel]:
    stmt = select(AlertChannel)
    if use_case_id is not None:
        visible_use_case(session, scope, use_case_id)
        stmt = stmt.where(AlertChannel.use_case_id == use_case_id)
    elif not scope.staff:
        owned = select(UseCase.id).where(UseCase.enterprise_id == scope.enterprise_id)
        stmt = stmt.where(AlertChannel.use_case_id.in_(owned))
    return list(session.scalars(stmt.order_by(AlertChannel.id)))


def channel_out(session: Session, channel: AlertChannel) -> ChannelOut:
    counts = dict(
        session.execute(
            select(Notification.state, func.count())
            .where(Notification.channel_id == channel.id)
            .group_by(Notification.state)
        ).all()
    )
    return ChannelOut(
        id=channel.id,
        use_case_id=channel.use_case_id,
        kind=channel.kind,
        name=channel.name,
        target=redacted(channel.kind, channel.target),
        has_secret=bool(channel.secret),
        enabled=channel.enabled,
        last_ok_at=channel.last_ok_at,
        last_error=channel.last_error,
        last_error_at=channel.last_error_at,
        queued=counts.get(DeliveryState.queued, 0),
        failed=counts.get(DeliveryState.failed, 0),
    )


def _checked_target(kind: object, target: str) -> str:
    try:
        return check_target(kind, target)  # type: ignore[arg-type]
    except TargetRejected as exc:
        raise FieldInvalid("target", str(exc)) from None


def _channel_owner(session: Session, scope: Scope, use_case_id: int | None) -> int | None:
    """The enterprise a channel belongs to; staff-wide channels (no use case) are for staff only."""
    if use_case_id is None:
        if not scope.staff:
            raise Forbidden("a channel for every alert (no use_case_id) is for staff only")
        return None
    return visible_use_case(session, scope, use_case_id).enterprise_id


def create_channel(session: Session, scope: Scope, body: ChannelCreate, actor: Actor) -> AlertChannel:
    enterprise_id = _channel_owner(session, scope, body.use_case_id)
    channel = AlertChannel(
        use_case_id=body.use_case_id,
        kind=body.kind,
        name=body.name,
        target=_checked_target(body.kind, body.target),
        secret=body.secret or None,
        enabled=body.enabled,
    )
    session.add(channel)
    session.flush()
    detail = {"kind": body.kind.value, "name": body.name, "target": redacted(body.kind, channel.target)}
    record(
        session, actor, "alert.channel.create", "alert_channel", channel.id, enterprise_id=enterprise_id, detail=detail
    )
    return channel


def get_channel(session: Session, scope: Scope, channel_id: int) -> AlertChannel:
    channel = session.get(AlertChannel, channel_id)
    if channel is None:
        raise NotFound("alert channel", channel_id)
    if channel.use_case_id is None and not scope.staff:
        raise NotFound("alert channel", channel_id)
    if channel.use_case_id is not None:
        try:
            visible_use_case(session, scope, channel.use_case_id)
        except NotFound:
            raise NotFound("alert channel", channel_id) from None
    return channel


def update_channel(session: Session, scope: Scope, channel: AlertChannel, body: ChannelUpdate, actor: Actor) -> None:
    wanted = body.changes()
    if "target" in wanted:
        wanted["target"] = _checked_target(channel.kind, wanted["target"])
    if "secret" in wanted:
        wanted["secret"] = wanted["secret"] or None
    detail: dict[str, object] = {k: ("***" if k == "secret" else v) for k, v in wanted.items()}
    if "target" in wanted:
        detail["target"] = redacted(channel.kind, wanted["target"])
    for name, value in wanted.items():
        setattr(channel, name, value)
    enterprise_id = _channel_owner(session, scope, channel.use_case_id)
    record(
        session, actor, "alert.channel.update", "alert_channel", channel.id, enterprise_id=enterprise_id, detail=detail
    )


def delete_channel(session: Session, scope: Scope, channel: AlertChannel, actor: Actor) -> None:
    enterprise_id = _channel_owner(session, scope, channel.use_case_id)
    detail = {"kind": channel.kind.value, "name": channel.name}
    record(
        session, actor, "alert.channel.delete", "alert_channel", channel.id, enterprise_id=enterprise_id, detail=detail
    )
    session.delete(channel)
