"""One dashboard per scenario of i5g.scenarios: its KPIs against its requirement bounds, its compliance, radio
quality, and the breakdown by use case and gateway. Generated from the scenario module, so the thresholds
follow the requirement profiles whenever those change."""

from __future__ import annotations

from collections.abc import Sequence

from dashboards.influxql import InfluxQL, call, ident, tag_is
from dashboards.panels import (
    compliance_bars,
    compliance_over_time,
    compliance_query,
    compliance_thresholds,
    kpi_query,
    kpi_title,
    kpi_trend_query,
    kpi_unit,
    new_dashboard,
    per_gateway_panels,
    row,
    stat_panel,
    table_panel,
    timeseries_panel,
)
from dashboards.sdk import dashboard, timeseries
from dashboards.variables import filters, tag_variable
from i5g.contract import FIELD_SEQ, KPIS, RADIO_SIGNAL_KPIS, TAG_CITY, TAG_GATEWAY, TAG_SCENARIO, TAG_USE_CASE
from i5g.grafana import scenario_uid
from i5g.scenarios import Requirement, Scenario

# KPIs that matter for a scenario beyond the ones its profile bounds (issue 7 names them per scenario).
# Scenarios whose gateways move between cells: they get the serving-cell (handover) panel.
MOBILE_SCENARIOS = frozenset({"agv", "inspection_robot"})
VARIABLES = (TAG_CITY, TAG_USE_CASE, TAG_GATEWAY)


def focus_kpis(scenario: Scenario) -> list[str]:
    """The bounded KPIs in profile order, then the scenario's own KPIs; each once."""
    names = [r.kpi for r in scenario.bounds() if r.kpi is not None]
    names += list(scenario.kpi_names)
    return [name for index, name in enumerate(names) if name in KPIS and name not in names[:index]]


def _bound_text(bounds: Sequence[Requirement]) -> str:
    parts = []
    for r in bounds:
        sign = "≤" if r.direction == "max" else "≥"
        parts.append(f"{r.metric} {sign} {r.value:g} {r.unit} ({r.source})")
    return "; ".join(parts)


def _kpi_panel(scenario: Scenario, kpi_name: str, conditions: Sequence[str]) -> timeseries.Panel:
    bounds = [r for r in scenario.bounds() if r.kpi == kpi_name]
    title = kpi_title(kpi_name)
    if bounds:
        title += f" vs bound {_bound_text(bounds).split(' (')[0]}"
        question = f"Does {KPIS[kpi_name].description} stay within the requirement {_bound_text(bounds)}?"
    else:
        question = f"How does {KPIS[kpi_name].description} behave (no bound in the profile)?"
    return timeseries_panel(
        title, question, [kpi_trend_query(kpi_name, bounds, *conditions)], unit=kpi_unit(kpi_name), bounds=bounds
    )


def _breakdown_query(kpis: Sequence[str], conditions: Sequence[str], tag: str) -> InfluxQL:
    query = kpi_query(*conditions).select(call("count", FIELD_SEQ), "samples")
    for name in kpis:
        query = query.select(call("mean", name), f"{name} mean")
    return query.by_tags(tag)


def build(scenario: Scenario) -> dashboard.Dashboard:
    scope = (tag_is(TAG_SCENARIO, scenario.key),)
    conditions = (*scope, *filters(VARIABLES))
    board = new_dashboard(
        scenario_uid(scenario.key),
        f"i5g scenario: {scenario.name_en} ({scenario.name_zh})",
        f"KPIs of the {scenario.name_en} scenario against its requirement profile, compliance, radio quality and "
        "the breakdown by use case and gateway.",
        "scenario",
        scenario.key,
    )
    board = board.variables(
        [
            tag_variable(TAG_CITY, "City", conditions=scope),
            tag_variable(TAG_USE_CASE, "Use case", previous=(TAG_CITY,), conditions=scope),
            tag_variable(TAG_GATEWAY, "Gateway", previous=(TAG_CITY, TAG_USE_CASE), conditions=scope),
        ]
    )
    kpis = focus_kpis(scenario)

    board = board.with_row(row("Compliance"))
    board = board.with_panel(
        stat_panel(
            "SLA compliance",
            "What share of this scenario's samples met every bound of its requirement profile?",
            compliance_query(*conditions),
            unit="percent",
            thresholds=compliance_thresholds(),
            height=8,
        )
    )
    board = board.with_panel(
        compliance_bars(
            "Compliance by use case",
            "Which use cases of this scenario fall short of the profile?",
            compliance_query(*conditions).by_tags(TAG_USE_CASE),
            width=9,
        )
    )
    board = board.with_panel(
        compliance_bars(
            "Compliance by gateway",
            "Which gateways fall short of the profile?",
            compliance_query(*conditions).by_tags(TAG_GATEWAY),
            width=9,
        )
    )
    board = board.with_panel(
        compliance_over_time(
            "Compliance over time by use case",
            "When did each use case leave its requirement profile?",
            compliance_query(*conditions).by_time().by_tags(TAG_USE_CASE).fill("none"),
        )
    )

    board = board.with_row(row("KPIs against the requirement profile"))
    for kpi_name in kpis:
        board = board.with_panel(_kpi_panel(scenario, kpi_name, conditions))

    board = board.with_row(row("Radio quality"))
    for panel in per_gateway_panels(RADIO_SIGNAL_KPIS, conditions):
        board = board.with_panel(panel)
    if scenario.key in MOBILE_SCENARIOS:
        board = board.with_panel(
            timeseries_panel(
                "Serving cells per interval (handovers)",
                "How often do moving gateways change cell? More than one cell in an interval means a handover.",
                [
                    kpi_query(*conditions)
                    .select(f"count(distinct({ident('pci')}))", "cells")
                    .by_time()
                    .by_tags(TAG_GATEWAY)
                    .fill("none")
                ],
                unit="none",
                width=24,
            )
        )

    board = board.with_row(row("Breakdown"))
    board = board.with_panel(
        table_panel(
            "By use case",
            "How do the use cases of this scenario compare on the KPIs that matter?",
            _breakdown_query(kpis, conditions, TAG_USE_CASE),
        )
    )
    board = board.with_panel(
        table_panel(
            "By gateway",
            "How do the gateways compare on the KPIs that matter?",
            _breakdown_query(kpis, conditions, TAG_GATEWAY),
        )
    )
    return board
