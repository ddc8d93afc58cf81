"""The default alert rules of a scenario, from its requirement profile (i5g.scenarios): the registry's evaluator
makes each use case's rules from them (registry/alerts/), and dashboards/alerting.py emits the same rules as
Grafana alert-rule provisioning. docs/alerts.md "Rules" explains each.

Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from i5g import scenarios


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
    specs: list[RuleSpec] = []
    scenario = scenarios.SCENARIOS.get(scenario_key)
    if scenario is not None:
        # The same figures evidence uses (registry/evidence/compute.profile_of): the availability target is the
        # profile's availability or reliability, the survival time its survival_time_ms.
        target = scenario.requirement("availability_pct") or scenario.requirement("reliability_pct")
        if target is not None:
            window = durations.availability_window_s
            specs.append(RuleSpec(RuleKind.availability, target.value, window_s=window, direction="min"))
        survival = scenario.requirement("survival_time_ms")
        kpi_for_s = survival.value / 1000 if survival is not None and survival.value else durations.kpi_for_s
        for bound in scenario.bounds():
            kpi = bound.kpi or ""
            specs.append(RuleSpec(RuleKind.kpi_bound, bound.value, kpi_for_s, kpi=kpi, direction=bound.direction))
    specs += [
        RuleSpec(RuleKind.gateway_offline, 0, durations.offline_for_s),
        RuleSpec(RuleKind.no_data, 0, durations.no_data_for_s),
        RuleSpec(RuleKind.dead_letters, durations.dead_letter_threshold, window_s=durations.dead_letter_window_s),
        RuleSpec(RuleKind.spool_backlog, durations.spool_dropped_threshold, window_s=durations.spool_window_s),
    ]
    return specs
