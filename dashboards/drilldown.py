"""Use-case drill-down: one use case (or a city's, an enterprise's) gateways on a map and their KPIs.

The registry's use-case page links here with the variables set (i5g.grafana.drilldown_url).
"""

from __future__ import annotations

from dashboards.influxql import InfluxQL, call
from dashboards.panels import (
    compliance_over_time,
    compliance_query,
    compliance_thresholds,
    geomap_panel,
    new_dashboard,
    per_gateway_panels,
    row,
    stat_panel,
    table_panel,
)
from dashboards.sdk import dashboard
from dashboards.variables import filters, tag_variable
from i5g.contract import (
    FIELD_AGENT_VERSION,
    FIELD_DROPPED,
    FIELD_LAT,
    FIELD_LON,
    FIELD_ONLINE,
    MEASUREMENT_GATEWAY_STATUS,
    NETWORK_KPIS,
    RADIO_SIGNAL_KPIS,
    TAG_CITY,
    TAG_ENTERPRISE,
    TAG_GATEWAY,
    TAG_SCENARIO,
    TAG_USE_CASE,
)
from i5g.grafana import DRILLDOWN_UID

VARIABLES = (TAG_CITY, TAG_ENTERPRISE, TAG_USE_CASE, TAG_GATEWAY)
# temp_c is left out: the host source reports it only where the board has a sensor, so on most hosts the
# panel would stay empty.
HOST_KPIS = ("cpu_pct", "mem_pct", "disk_pct")


def _per_gateway_row(board: dashboard.Dashboard, title: str, kpis: tuple[str, ...]) -> dashboard.Dashboard:
    board = board.with_row(row(title))
    for panel in per_gateway_panels(kpis, filters(VARIABLES)):
        board = board.with_panel(panel)
    return board


def build() -> dashboard.Dashboard:
    conditions = filters(VARIABLES)
    board = new_dashboard(
        DRILLDOWN_UID,
        "i5g use-case drill-down",
        "One use case's gateways: where they are, whether they report, and their KPIs.",
        "drilldown",
    )
    board = board.variables(
        [
            tag_variable(name, label, previous=VARIABLES[:index])
            for index, (name, label) in enumerate(
                zip(VARIABLES, ("City", "Enterprise", "Use case", "Gateway"), strict=True)
            )
        ]
    )

    board = board.with_row(row("Sites"))
    board = board.with_panel(
        geomap_panel(
            "Gateway sites",
            "Where are this use case's gateways, and which are online? (Only gateways with registered "
            "coordinates appear.)",
            InfluxQL(MEASUREMENT_GATEWAY_STATUS)
            .where(*conditions)
            .select(call("last", FIELD_LAT), FIELD_LAT)
            .select(call("last", FIELD_LON), FIELD_LON)
            .select(call("last", FIELD_ONLINE), "online")
            .by_tags(TAG_GATEWAY),
            lat=FIELD_LAT,
            lon=FIELD_LON,
            width=16,
        )
    )
    board = board.with_panel(
        stat_panel(
            "SLA compliance",
            "What share of the selected gateways' samples met every bound of their scenario?",
            compliance_query(*conditions),
            unit="percent",
            thresholds=compliance_thresholds(),
            width=8,
            height=12,
        )
    )
    board = board.with_panel(
        table_panel(
            "Gateway status",
            "What did each selected gateway last report (online, agent version, dropped samples)?",
            InfluxQL(MEASUREMENT_GATEWAY_STATUS)
            .where(*conditions)
            .select(call("last", FIELD_ONLINE), "online")
            .select(call("last", FIELD_AGENT_VERSION), "agent version")
            .select(call("last", FIELD_DROPPED), "dropped samples")
            .by_tags(TAG_GATEWAY, TAG_SCENARIO),
            time_from="7d",
        )
    )
    board = board.with_panel(
        compliance_over_time(
            "SLA compliance by gateway",
            "When did which gateway leave its scenario's requirement profile?",
            compliance_query(*conditions).by_time().by_tags(TAG_GATEWAY).fill("none"),
        )
    )
    board = _per_gateway_row(board, "Service KPIs", NETWORK_KPIS)
    board = _per_gateway_row(board, "Radio quality", RADIO_SIGNAL_KPIS)
    return _per_gateway_row(board, "Gateway host", HOST_KPIS)
