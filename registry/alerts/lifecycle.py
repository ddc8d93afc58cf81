"""An alert's lifecycle: pending -> firing -> resolved, at most one open alert per rule and subject.

The evaluator calls `observe` once per rule and subject each round with what it found; transitions are written
to the alert's history (alert_events) and, for firing and resolved, to the notification outbox - unless the
alert is silenced. Nothing here commits: the evaluator's round is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.alerts.models import MESSAGE_MAX, Alert, AlertEvent, AlertRule, AlertState
from registry.alerts.outbox import enqueue


@dataclass(frozen=True)
class Observation:
    """What a rule found for one subject: `holds` the alert condition, since when, the observed value."""

    subject: str
    holds: bool
    since: datetime | None = None
    value: float | None = None
    message: str = ""


def open_key(rule: AlertRule, subject: str) -> str:
    return f"{rule.id}:{subject}"


def open_alerts(session: Session, rule: AlertRule) -> dict[str, Alert]:
    stmt = select(Alert).where(Alert.rule_id == rule.id, Alert.open_key.is_not(None))
    return {alert.subject: alert for alert in session.scalars(stmt)}


def observe(
    session: Session, rule: AlertRule, found: Observation, now: datetime, current: Alert | None
) -> Alert | None:
    """Apply one observation; returns the open alert afterwards (None when there is none)."""
    if not found.holds:
        if current is not None:
            resolve(session, current, now, "condition cleared")
        return None
    since = min(found.since or now, now)
    alert = current
    if alert is None:
        alert = Alert(
            rule_id=rule.id,
            use_case_id=rule.use_case_id,
            subject=found.subject,
            open_key=open_key(rule, found.subject),
            state=AlertState.pending,
            started_at=since,
        )
        session.add(alert)
        session.flush()
        _event(session, alert, "pending", now, {"value": found.value})
    alert.value = found.value
    alert.message = found.message[:MESSAGE_MAX]
    if alert.state == AlertState.pending and now - alert.started_at >= timedelta(seconds=rule.for_s):
        alert.state = AlertState.firing
        alert.fired_at = now
        _event(session, alert, "firing", now, {"value": found.value})
        if not silenced(alert, now):
            enqueue(session, alert, "firing", now)
    return alert


def resolve(session: Session, alert: Alert, now: datetime, reason: str) -> None:
    was_firing = alert.state == AlertState.firing
    alert.state = AlertState.resolved
    alert.resolved_at = now
    alert.open_key = None
    _event(session, alert, "resolved", now, {"reason": reason})
    if was_firing and not silenced(alert, now):  # a pending alert that never fired was never announced
        enqueue(session, alert, "resolved", now)


def silenced(alert: Alert, now: datetime) -> bool:
    return alert.silenced_until is not None and alert.silenced_until > now


def _event(session: Session, alert: Alert, kind: str, at: datetime, detail: dict[str, object]) -> None:
    session.add(AlertEvent(alert_id=alert.id, at=at, kind=kind, actor="evaluator", detail=detail))
