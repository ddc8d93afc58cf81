"""The default alert rules of a scenario, from its requirement profile (i5g.scenarios, read through the evidence
profile so the figures are the ones the collector and the evidence pages use). Pure and light (standard
library + i5g): the evaluator makes each use case's rules from it, and `dashboards/alerting.py` emits the same
rules as Grafana alert-rule provisioning."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from registry.evidence.compute import profile_of


class RuleKind(StrEnum):
    availability = "availability"  # use case: availability over a rolling window below target (evidence)
    kpi_bound = "kpi_bound"  # gateway: one KPI outside its bound for longer than `for_s`
    gateway_offline = "gateway_offline"  # gateway: status offline for longer than `for_s`
    no_data = "no_data"  # gateway: online, but no telemetry for longer than `for_s`
    dead_letters = "dead_letters"  # gateway: more than `threshold` dead letters within `window_s`
    spool_backlog = "spool_backlog"  # gateway: the agent's spool dropped more than `threshold` samples in window_s


@dataclass(frozen=True)
class Durations:
    """The project defaults where the profile states nothing (AlertSettings exposes each as I5G_ALERTS_*)."""

    availability_window_s: int = 3600
    kpi_for_s: float = 300.0  # a KPI breach must last this long where the profile has no survival time
    offline_for_s: float = 300.0
    no_data_for_s: float = 300.0
    dead_letter_window_s: int = 300
    dead_letter_threshold: float = 50
    spool_window_s: int = 900
    spool_dropped_threshold: float = 0


DEFAULTS = Durations()


@dataclass(frozen=True)
class RuleSpec:
    kind: RuleKind
    threshold: float
    for_s: float = 0.0
    window_s: int = 0
    kpi: str = ""
    direction: str = "max"  # "max": breached above the threshold; "min": below it


def default_rules(scenario_key: str, durations: Durations = DEFAULTS) -> list[RuleSpec]:
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
                window_s=durations.availability_window_s,
                direction="min",
            )
        )
    kpi_for_s = profile.survival_ms / 1000 if profile.survival_ms else durations.kpi_for_s
    for bound in profile.bounds:
        specs.append(RuleSpec(RuleKind.kpi_bound, bound.value, kpi_for_s, kpi=bound.kpi, direction=bound.direction))
    specs += [
        RuleSpec(RuleKind.gateway_offline, 0, durations.offline_for_s),
        RuleSpec(RuleKind.no_data, 0, durations.no_data_for_s),
        RuleSpec(RuleKind.dead_letters, durations.dead_letter_threshold, window_s=durations.dead_letter_window_s),
        RuleSpec(RuleKind.spool_backlog, durations.spool_dropped_threshold, window_s=durations.spool_window_s),
    ]
    return specs
