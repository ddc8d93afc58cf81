"""Fleet overview: is every gateway reporting, does the fleet meet its SLAs, is the collector keeping up?"""

from __future__ import annotations

from dashboards.influxql import INTERVAL_MS, InfluxQL, call, ident
from dashboards.panels import (
    alarm_when_any,
    compliance_bars,
    compliance_over_time,
    compliance_query,
    kpi_query,
    new_dashboard,
    row,
    stat_panel,
    table_panel,
    timeseries_panel,
)
from dashboards.sdk import dashboard, timeseries
from i5g.contract import (
    FIELD_AGENT_VERSION,
    FIELD_COUNT,
    FIELD_DROPPED,
    FIELD_LAG_MS,
    FIELD_ONLINE,
    FIELD_SEQ,
    FIELD_WRITE_LATENCY_MS,
    MEASUREMENT_COLLECTOR,
    MEASUREMENT_DEAD_LETTER,
    MEASUREMENT_GATEWAY_STATUS,
    TAG_CITY,
    TAG_ENTERPRISE,
    TAG_GATEWAY,
    TAG_REASON,
    TAG_REPLICA,
    TAG_SCENARIO,
    TAG_USE_CASE,
)
from i5g.grafana import FLEET_UID

STATUS_LOOKBACK = "7d"


def _gateways_with_status(online: bool) -> InfluxQL:
    """How many gateways' latest status says online (or offline)."""
    latest = InfluxQL(MEASUREMENT_GATEWAY_STATUS).select(call("last", FIELD_ONLINE), FIELD_ONLINE).by_tags(TAG_GATEWAY)
    return (
        InfluxQL(latest)
        .select(call("count", FIELD_ONLINE), "gateways")
        .where(f"{ident(FIELD_ONLINE)} = {str(online).lower()}")
    )


def _per_second(expression: str) -> str:
    """A per-interval count as a rate per second ($__interval_ms is the bucket width)."""
    return f"{expression} * 1000 / {INTERVAL_MS}"


def _collector_panel(title: str, question: str, unit: str, *selects: tuple[str, str]) -> timeseries.Panel:
    """One line per collector replica for each of `selects` ((expression, alias) over `collector`)."""
    query = InfluxQL(MEASUREMENT_COLLECTOR)
    for expression, alias in selects:
        query = query.select(expression, alias)
    return timeseries_panel(title, question, [query.by_time().by_tags(TAG_REPLICA).fill("none")], unit=unit, width=8)


def build() -> dashboard.Dashboard:
    board = new_dashboard(
        FLEET_UID,
        "i5g fleet overview",
        "Every gateway, every scenario: reporting, SLA compliance, rejected messages and collector health.",
        "fleet",
    )
    board = board.with_row(row("Gateways"))
    board = board.with_panel(
        stat_panel(
            "Gateways online",
            "How many gateways last reported themselves online (birth message) in the past 7 days?",
            _gateways_with_status(True),
            unit="none",
            time_from=STATUS_LOOKBACK,
        )
    )
    board = board.with_panel(
        stat_panel(
            "Gateways offline",
            "How many gateways' last status is offline (clean disconnect or last will) in the past 7 days?",
            _gateways_with_status(False),
            unit="none",
            thresholds=alarm_when_any(),
            time_from=STATUS_LOOKBACK,
        )
    )
    board = board.with_panel(
        timeseries_panel(
            "Samples per second by scenario",
            "How many KPI samples per second reach InfluxDB, per scenario?",
            [
                kpi_query()
                .select(_per_second(call("count", FIELD_SEQ)), "samples/s")
                .by_time()
                .by_tags(TAG_SCENARIO)
                .fill("0")
            ],
            unit="none",
        )
    )
    board = board.with_panel(
        table_panel(
            "Gateway status",
            "Which gateways exist, where, for which use case, and what did each last report?",
            InfluxQL(MEASUREMENT_GATEWAY_STATUS)
            .select(call("last", FIELD_ONLINE), "online")
            .select(call("last", FIELD_AGENT_VERSION), "agent version")
            .select(call("last", FIELD_DROPPED), "dropped samples")
            .by_tags(TAG_GATEWAY, TAG_CITY, TAG_ENTERPRISE, TAG_USE_CASE, TAG_SCENARIO),
            time_from=STATUS_LOOKBACK,
        )
    )

    board = board.with_row(row("SLA compliance"))
    board = board.with_panel(
        compliance_bars(
            "SLA compliance by scenario",
            "Which scenarios meet their requirement profile? Share of samples within every bound.",
            compliance_query().by_tags(TAG_SCENARIO),
        )
    )
    board = board.with_panel(
        compliance_bars(
            "SLA compliance by city",
            "Which cities' deployments meet their scenarios' requirements?",
            compliance_query().by_tags(TAG_CITY),
        )
    )
    board = board.with_panel(
        compliance_over_time(
            "SLA compliance over time by scenario",
            "When did compliance drop, and in which scenario?",
            compliance_query().by_time().by_tags(TAG_SCENARIO).fill("none"),
        )
    )

    board = board.with_row(row("Rejected messages (dead letters)"))
    board = board.with_panel(
        timeseries_panel(
            "Dead letters per second by reason",
            "Are gateways sending messages the collector must reject, and why?",
            [
                InfluxQL(MEASUREMENT_DEAD_LETTER)
                .select(_per_second(call("sum", FIELD_COUNT)), "messages/s")
                .by_time()
                .by_tags(TAG_REASON)
                .fill("0")
            ],
            unit="none",
            bars=True,
        )
    )
    board = board.with_panel(
        table_panel(
            "Dead letters by gateway and reason",
            "Which gateway sends what kind of bad message?",
            InfluxQL(MEASUREMENT_DEAD_LETTER)
            .select(call("sum", FIELD_COUNT), "messages")
            .by_tags(TAG_GATEWAY, TAG_REASON),
            width=12,
        )
    )

    board = board.with_row(row("Collector"))
    board = board.with_panel(
        _collector_panel(
            "Collector lag",
            "How far behind real time are the samples the collector writes (sample time to write time)?",
            "ms",
            (call("max", FIELD_LAG_MS), "lag"),
        )
    )
    board = board.with_panel(
        _collector_panel(
            "Write latency",
            "How long do InfluxDB batch writes take?",
            "ms",
            (call("mean", FIELD_WRITE_LATENCY_MS), "mean"),
            (call("max", FIELD_WRITE_LATENCY_MS), "max"),
        )
    )
    board = board.with_panel(
        _collector_panel(
            "Points written per second",
            "How fast does each collector replica write (from its cumulative `written` counter)?",
            "none",
            (f"non_negative_derivative({call('max', 'written')}, 1s)", "points/s"),
        )
    )
    return board
