"""A use case's rule rows from the scenario defaults (i5g/alert_rules.py), and how a rule judges a value."""

from __future__ import annotations

from i5g.alert_rules import Durations, RuleSpec, default_rules
from registry.alerts.models import AlertRule
from registry.alerts.settings import AlertSettings


def durations(settings: AlertSettings) -> Durations:
    return Durations(**{name: getattr(settings, name) for name in Durations.__dataclass_fields__})


def specs_for(scenario_key: str, settings: AlertSettings) -> list[RuleSpec]:
    return default_rules(scenario_key, durations(settings))


def make_rule(use_case_id: int, spec: RuleSpec) -> AlertRule:
    return AlertRule(
        use_case_id=use_case_id,
        kind=spec.kind,
        kpi=spec.kpi,
        direction=spec.direction,
        threshold=spec.threshold,
        for_s=spec.for_s,
        window_s=spec.window_s,
        enabled=True,
    )


def breached(rule: AlertRule, observed: float) -> bool:
    """`min` rules breach below the threshold, `max` rules above it."""
    return observed < rule.threshold if rule.direction == "min" else observed > rule.threshold
