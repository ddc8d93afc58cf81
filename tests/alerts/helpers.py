"""Small helpers shared by the alert tests: a use case with a gateway, a firing alert, the rows behind it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from i5g.alert_rules import RuleKind
from registry.alerts import lifecycle
from registry.alerts.evaluate import ensure_default_rules
from registry.alerts.lifecycle import Observation
from registry.alerts.models import Alert, AlertRule, Notification
from registry.db import session_scope
from registry.usecases.models import UseCase
from tests.alerts.conftest import AlertEnv


def use_case_with_gateway(env: AlertEnv, scenario: str, gateway: str) -> int:
    use_case = env.client.create_use_case(scenario)
    env.client.create_gateway(gateway, use_case["id"])
    return int(use_case["id"])


def set_alert(env: AlertEnv, use_case_id: int, subject: str, holds: bool, now: datetime | None = None) -> int | None:
    """Drive the gateway_offline rule of the use case by hand (for_s 0) and return the open alert's id."""
    now = now or datetime.now(UTC)
    with session_scope(env.factory) as session:
        use_case = session.get(UseCase, use_case_id)
        assert use_case is not None
        rules = ensure_default_rules(session, use_case, env.settings)
        rule = next(r for r in rules if r.kind == RuleKind.gateway_offline)
        rule.for_s = 0
        current = lifecycle.open_alerts(session, rule).get(subject)
        found = Observation(subject, holds, now, None, "gateway offline" if holds else "")
        alert = lifecycle.observe(session, rule, found, now, current)
        return alert.id if alert else None


def notifications(env: AlertEnv) -> list[Notification]:
    with session_scope(env.factory) as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def alerts(env: AlertEnv, use_case_id: int) -> list[Alert]:
    with session_scope(env.factory) as session:
        rows = session.scalars(select(Alert).where(Alert.use_case_id == use_case_id).order_by(Alert.id))
        return list(rows)


def rule_of(env: AlertEnv, use_case_id: int, kind: RuleKind, kpi: str = "") -> AlertRule:
    with session_scope(env.factory) as session:
        use_case = session.get(UseCase, use_case_id)
        assert use_case is not None
        rules = ensure_default_rules(session, use_case, env.settings)
        return next(r for r in rules if r.kind == kind and r.kpi == kpi)
