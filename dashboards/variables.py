"""Template variables filled from `SHOW TAG VALUES`, chained: each one lists only values compatible with the
variables before it (enterprise within the chosen city, use case within the enterprise, ...)."""

from __future__ import annotations

from collections.abc import Sequence

from dashboards.influxql import ShowTagValues, datasource_ref, tag_matches_variable
from dashboards.sdk import dashboard, dashboard_models
from i5g.contract import MEASUREMENT_KPI

# The value of "All": a regex matching every tag value. Without it Grafana would send every listed value as
# one long alternation, which breaks down with thousands of gateways.
ALL_VALUE = ".*"


def tag_variable(
    name: str, label: str, *, previous: Sequence[str] = (), conditions: Sequence[str] = ()
) -> dashboard.QueryVariable:
    """A multi-value variable over the `kpi` tag `name`, filtered by the variables named in `previous` (which
    are tag keys too) and by fixed `conditions` (e.g. the scenario of a scenario dashboard)."""
    query = ShowTagValues(
        MEASUREMENT_KPI, name, (*conditions, *(tag_matches_variable(tag, tag) for tag in previous))
    ).render()
    return (
        dashboard.QueryVariable(name)
        .label(label)
        .query(query)
        .definition(query)
        .datasource(datasource_ref())
        .multi(True)
        .include_all(True)
        .all_value(ALL_VALUE)
        .current(dashboard_models.VariableOption(selected=True, text=["All"], value=["$__all"]))
        .refresh(dashboard_models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dashboard_models.VariableSort.ALPHABETICAL_ASC)
    )


def filters(names: Sequence[str]) -> tuple[str, ...]:
    """The WHERE conditions that apply the variables `names` (tag key = variable name) to a panel query."""
    return tuple(tag_matches_variable(name, name) for name in names)
