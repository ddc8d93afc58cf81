"""Panel builders shared by every dashboard, and the queries several dashboards ask.

Each builder takes InfluxQL queries (dashboards.influxql) and returns a foundation-SDK panel builder with the
project's datasource, unit and size set. Panel ids are assigned when a dashboard is serialised (build.py), so
they follow panel order and stay stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from dashboards.influxql import InfluxQL, ResultFormat, Target, call, datasource_ref, ident
from dashboards.sdk import (
    bargauge,
    common,
    common_models,
    dashboard,
    dashboard_models,
    geomap,
    stat,
    table,
    timeseries,
)
from i5g.contract import FIELD_SLA_VIOLATIONS, KPIS, MEASUREMENT_KPI, TAG_GATEWAY
from i5g.grafana import TAG
from i5g.scenarios import Requirement

# Grafana unit ids for the contract's units; anything else is shown as a suffix.
_GRAFANA_UNITS = {
    "ms": "ms",
    "%": "percent",
    "Mbit/s": "Mbits",
    "dBm": "dBm",
    "dB": "dB",
    "°C": "celsius",
    "m/s": "velocityms",
    "": "none",
}

GREEN, RED, ORANGE = "green", "red", "orange"
COMPLIANCE_ALIAS = "compliance"

PanelT = TypeVar("PanelT", bound=Any)


def grafana_unit(unit: str) -> str:
    return _GRAFANA_UNITS.get(unit, f"suffix: {unit}")


def kpi_unit(kpi_name: str) -> str:
    return grafana_unit(KPIS[kpi_name].unit)


def kpi_title(kpi_name: str) -> str:
    kpi = KPIS[kpi_name]
    return f"{kpi.description[:1].upper()}{kpi.description[1:]} ({kpi.unit})" if kpi.unit else kpi.description


def _steps(*steps: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    return (
        dashboard.ThresholdsConfig()
        .mode(dashboard_models.ThresholdsMode.ABSOLUTE)
        .steps([dashboard_models.Threshold(value=value, color=color) for value, color in steps])
    )


def bound_thresholds(requirements: Sequence[Requirement]) -> dashboard.ThresholdsConfig:
    """The requirements on one KPI drawn as thresholds: red below a minimum and above a maximum (the strictest
    of each when a profile has several)."""
    lows = [r.value for r in requirements if r.direction == "min"]
    highs = [r.value for r in requirements if r.direction == "max"]
    steps: list[tuple[float | None, str]] = [(None, RED), (max(lows), GREEN)] if lows else [(None, GREEN)]
    if highs:
        steps.append((min(highs), RED))
    return _steps(*steps)


def compliance_thresholds() -> dashboard.ThresholdsConfig:
    return _steps((None, RED), (95, ORANGE), (99, GREEN))


def alarm_when_any() -> dashboard.ThresholdsConfig:
    """For counts that should be zero (offline gateways): orange from one."""
    return _steps((None, GREEN), (1, ORANGE))


def neutral_thresholds() -> dashboard.ThresholdsConfig:
    return _steps((None, GREEN))


def _common(
    panel: PanelT,
    title: str,
    description: str,
    queries: Sequence[InfluxQL | str],
    *,
    unit: str,
    width: int,
    height: int,
    result_format: ResultFormat = "time_series",
    time_from: str | None = None,
) -> PanelT:
    targets = [Target(query, chr(ord("A") + index), result_format) for index, query in enumerate(queries)]
    panel = (
        panel.title(title)
        .description(description)
        .datasource(datasource_ref())
        .targets(targets)
        .unit(unit)
        .span(width)
        .height(height)
    )
    if time_from:
        # Status points arrive only when a gateway connects or disconnects: look further back than the
        # dashboard's range, or a gateway that has been up for days would vanish from the panel.
        panel = panel.time_from(time_from)
    return panel


def timeseries_panel(
    title: str,
    description: str,
    queries: Sequence[InfluxQL],
    *,
    unit: str,
    bounds: Sequence[Requirement] = (),
    width: int = 12,
    height: int = 8,
    bars: bool = False,
) -> timeseries.Panel:
    panel = _common(timeseries.Panel(), title, description, queries, unit=unit, width=width, height=height)
    panel = panel.legend(
        common.VizLegendOptions()
        .show_legend(True)
        .display_mode(common_models.LegendDisplayMode.TABLE)
        .placement(common_models.LegendPlacement.BOTTOM)
        .calcs(["mean", "max"])
    )
    if bars:
        panel = panel.draw_style(common_models.GraphDrawStyle.BARS).fill_opacity(60)
    if bounds:
        panel = panel.thresholds(bound_thresholds(bounds)).thresholds_style(
            common.GraphThresholdsStyleConfig().mode(common_models.GraphThresholdsStyleMode.LINE_AND_AREA)
        )
    else:
        panel = panel.thresholds(neutral_thresholds())
    return panel


def stat_panel(
    title: str,
    description: str,
    query: InfluxQL,
    *,
    unit: str,
    thresholds: dashboard.ThresholdsConfig | None = None,
    width: int = 6,
    height: int = 5,
    time_from: str | None = None,
) -> stat.Panel:
    panel = _common(
        stat.Panel(), title, description, [query], unit=unit, width=width, height=height, time_from=time_from
    )
    return (
        panel.thresholds(thresholds or neutral_thresholds())
        .color_mode(common_models.BigValueColorMode.BACKGROUND)
        .graph_mode(common_models.BigValueGraphMode.NONE)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]))
        .no_value("0")
    )


def bar_gauge_panel(
    title: str,
    description: str,
    query: InfluxQL,
    *,
    unit: str,
    thresholds: dashboard.ThresholdsConfig | None = None,
    width: int = 12,
    height: int = 8,
) -> bargauge.Panel:
    panel = _common(bargauge.Panel(), title, description, [query], unit=unit, width=width, height=height)
    return (
        panel.thresholds(thresholds or neutral_thresholds())
        .display_mode(common_models.BarGaugeDisplayMode.GRADIENT)
        .orientation(common_models.VizOrientation.HORIZONTAL)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]))
        .min(0)
    )


def table_panel(
    title: str,
    description: str,
    query: InfluxQL,
    *,
    width: int = 24,
    height: int = 8,
    time_from: str | None = None,
) -> table.Panel:
    panel = _common(
        table.Panel(),
        title,
        description,
        [query],
        unit="none",
        width=width,
        height=height,
        result_format="table",
        time_from=time_from,
    )
    return panel.thresholds(neutral_thresholds()).filterable(True)


def geomap_panel(
    title: str, description: str, query: InfluxQL, *, lat: str, lon: str, width: int = 24, height: int = 12
) -> geomap.Panel:
    """Markers at each gateway's site, coloured by the `online` column of the query."""
    panel = _common(
        geomap.Panel(),
        title,
        description,
        [query],
        unit="none",
        width=width,
        height=height,
        result_format="table",
        time_from="7d",
    )
    markers = (
        common.MapLayerOptions()
        .type("markers")
        .name("Gateways")
        .location(
            common.FrameGeometrySource().mode(common_models.FrameGeometrySourceMode.COORDS).latitude(lat).longitude(lon)
        )
        .tooltip(True)
    )
    # China as the initial view: every registered site is there.
    view = geomap.MapViewConfig().id("coords").lat(35).lon(105).zoom(4)
    return (
        panel.view(view)
        .basemap(common.MapLayerOptions().type("default").name("Basemap"))
        .layers([markers])
        .thresholds(neutral_thresholds())
    )


def compliance_bars(title: str, question: str, query: InfluxQL, width: int = 12) -> bargauge.Panel:
    """Compliance per group (the query's GROUP BY tag) as bars from 0 to 100 %."""
    return bar_gauge_panel(title, question, query, unit="percent", thresholds=compliance_thresholds(), width=width).max(
        100
    )


def compliance_over_time(title: str, question: str, query: InfluxQL) -> timeseries.Panel:
    return timeseries_panel(title, question, [query], unit="percent", width=24).max(100).min(0)


def per_gateway_panels(kpis: Sequence[str], conditions: Sequence[str], width: int = 8) -> list[timeseries.Panel]:
    """One panel per KPI, one line per gateway."""
    return [
        timeseries_panel(
            kpi_title(kpi_name),
            f"How does each gateway's {KPIS[kpi_name].description} evolve?",
            [per_gateway_query(kpi_name, *conditions)],
            unit=kpi_unit(kpi_name),
            width=width,
        )
        for kpi_name in kpis
    ]


def row(title: str) -> dashboard.Row:
    return dashboard.Row(title)


# ------------------------------------------------------------------------------------------ shared queries


def kpi_query(*conditions: str) -> InfluxQL:
    return InfluxQL(MEASUREMENT_KPI).where(*conditions)


def compliance_query(*conditions: str) -> InfluxQL:
    """Share of samples (in %) that met every bound of their scenario.

    InfluxQL cannot average the boolean `sla_ok`, so the inner query turns the integer `sla_violations` into
    1 (no violation) or 0 per sample: v / (v + 1) is 0 for v = 0 and in (0, 1) for v >= 1, CEIL makes that 0
    or 1, and 1 minus it is the sample's compliance. The outer query averages it; callers add GROUP BY.
    """
    violations = ident(FIELD_SLA_VIOLATIONS)
    per_sample = kpi_query(*conditions).select(f"1 - ceil({violations} / ({violations} + 1))", "ok")
    return InfluxQL(per_sample).select(f"100 * {call('mean', 'ok')}", COMPLIANCE_ALIAS)


def kpi_trend_query(kpi_name: str, bounds: Sequence[Requirement], *conditions: str) -> InfluxQL:
    """Typical and worst value per interval: percentiles for latency, mean + worst side of the bound else."""
    base = kpi_query(*conditions)
    if kpi_name == "rtt_ms":
        for pct in (50, 95, 99):
            base = base.select(call("percentile", kpi_name, pct), f"p{pct}")
    else:
        worst = "min" if any(r.direction == "min" for r in bounds) else "max"
        base = base.select(call("mean", kpi_name), "mean").select(call(worst, kpi_name), worst)
    return base.by_time().fill("none")


def per_gateway_query(kpi_name: str, *conditions: str) -> InfluxQL:
    return kpi_query(*conditions).select(call("mean", kpi_name), kpi_name).by_time().by_tags(TAG_GATEWAY).fill("none")


def new_dashboard(uid: str, title: str, description: str, *tags: str) -> dashboard.Dashboard:
    """The settings every generated dashboard shares: tags, time range, refresh, links to its siblings."""
    siblings = (
        dashboard.DashboardLink("i5g dashboards")
        .type(dashboard_models.DashboardLinkType.DASHBOARDS)
        .tags([TAG])
        .as_dropdown(True)
        .include_vars(False)
        .keep_time(True)
    )
    return (
        dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([TAG, *tags])
        .timezone("browser")
        .time("now-6h", "now")
        .refresh("30s")
        .tooltip(dashboard_models.DashboardCursorSync.CROSSHAIR)
        .editable()
        .link(siblings)
    )
