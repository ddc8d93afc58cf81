"""Default alert rules of a use case, made from its scenario's requirement profile (i5g.scenarios via the
evidence profile: the same figures the collector and the evidence pages use)."""

from __future__ import annotations

from dataclasses import dataclass

from registry.alerts.models import AlertRule, RuleKind
from registry.alerts.settings import AlertSettings
from registry.evidence.compute import profile_of


@dataclass(frozen=True)
class RuleSpec:
    kind: RuleKind
    threshold: float
    for_s: float = 0.0
    window_s: int = 0
    kpi: str = ""
    direction: str = "max"


def default_rules(scenario_key: str, settings: AlertSettings) -> list[RuleSpec]:
    """The rules every use case of this scenario starts with.

    - availability below the profile's target (availability_pct or reliability_pct) over a rolling window;
    - every bounded KPI outside its bound for longer than the profile's survival time, or kpi_for_s where the
      profile states none;
    - gateway offline, online gateway without data, dead-letter surge, spool overflow (project defaults)."""
    profile = profile_of(scenario_key)
    specs: list[RuleSpec] = []
    if profile.availability_target_pct is not None:
        specs.append(
            RuleSpec(
                RuleKind.availability,
                profile.availability_target_pct,
                window_s=settings.availability_window_s,
                direction="min",
            )
        )
    kpi_for_s = profile.survival_ms / 1000 if profile.survival_ms else settings.kpi_for_s
    for bound in profile.bounds:
        specs.append(RuleSpec(RuleKind.kpi_bound, bound.value, kpi_for_s, kpi=bound.kpi, direction=bound.direction))
    specs += [
        RuleSpec(RuleKind.gateway_offline, 0, settings.offline_for_s),
        RuleSpec(RuleKind.no_data, 0, settings.no_data_for_s),
        RuleSpec(RuleKind.dead_letters, settings.dead_letter_threshold, window_s=settings.dead_letter_window_s),
        RuleSpec(RuleKind.spool_backlog, settings.spool_dropped_threshold, window_s=settings.spool_window_s),
    ]
    return specs


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
