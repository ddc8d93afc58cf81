"""Scenario requirement profiles (i5g.scenarios) shaped for the pages: translated metric names, "≤ 20 ms"."""

from __future__ import annotations

from dataclasses import dataclass

from i5g import scenarios
from registry.web.i18n import MESSAGES, Lang, translate


@dataclass(frozen=True)
class ProfileRow:
    metric: str
    label: str
    bound: str  # e.g. "≤ 20 ms"
    source: str
    project_default: bool
    checked_live: bool  # compared with every telemetry sample


def _number(value: float) -> str:
    return f"{value:g}"


def metric_label(metric: str, kpi: str | None, lang: Lang) -> str:
    """The metric's own label, else its telemetry KPI's, else its name (a new metric still shows)."""
    for name in (metric, kpi):
        if name and f"metric.{name}" in MESSAGES:
            return translate(lang, f"metric.{name}")
    return metric


def profile_rows(key: str, lang: Lang) -> list[ProfileRow]:
    scenario = scenarios.SCENARIOS.get(key)
    if scenario is None:
        return []
    rows = []
    for req in scenario.requirements:
        label = metric_label(req.metric, req.kpi, lang)
        sign = "≤" if req.direction == "max" else "≥"
        rows.append(
            ProfileRow(
                metric=req.metric,
                label=label,
                bound=f"{sign} {_number(req.value)} {req.unit}".strip(),
                source=req.source,
                project_default=req.is_project_default,
                checked_live=req.kpi is not None,
            )
        )
    return rows


def scenario_options(lang: Lang) -> list[tuple[str, str]]:
    """(key, name) for every scenario, for pickers and filters."""
    return [(s.key, s.name_zh if lang == "zh" else s.name_en) for s in scenarios.SCENARIOS.values()]


def all_profiles(lang: Lang) -> dict[str, list[ProfileRow]]:
    return {key: profile_rows(key, lang) for key in scenarios.SCENARIOS}
