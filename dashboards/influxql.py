"""A small InfluxQL query builder and the Grafana query target that carries it.

The foundation SDK has no InfluxDB query type, so `InfluxQLTarget` implements its `Dataquery` variant: a raw
InfluxQL query with Grafana's macros ($timeFilter, $__interval) and template variables in the regex form
`"tag" =~ /^$var$/`. Raw InfluxQL (not Flux, not SQL) is what InfluxDB 1.x speaks natively and what 2.x and 3.x
answer through their v1 /query compatibility API, so one set of dashboards serves all three.

Queries are immutable: every builder method returns a new query, so a panel module can derive several queries
from one filtered base without them leaking into each other.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal, Self

from dashboards.sdk import cogbuilder, cogvariants
from dashboards.sdk import common_models as common
from i5g.grafana import DATASOURCE_TYPE, DATASOURCE_UID

TIME_FILTER = "$timeFilter"
INTERVAL = "$__interval"
INTERVAL_MS = "$__interval_ms"

ResultFormat = Literal["time_series", "table"]


def ident(name: str) -> str:
    """A double-quoted InfluxQL identifier (measurement, tag key, field key, alias)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value: str) -> str:
    """A single-quoted InfluxQL string literal (tag values compare against these)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def call(function: str, field_name: str, *args: float | str) -> str:
    """`call("percentile", "rtt_ms", 95)` -> `percentile("rtt_ms", 95)`."""
    rendered = [ident(field_name), *(str(arg) for arg in args)]
    return f"{function}({', '.join(rendered)})"


def tag_is(tag: str, value: str) -> str:
    return f"{ident(tag)} = {literal(value)}"


def tag_matches_variable(tag: str, variable: str) -> str:
    """The condition a multi-value/All template variable needs: Grafana renders its value as a regex."""
    return f"{ident(tag)} =~ /^${variable}$/"


def datasource_ref() -> common.DataSourceRef:
    return common.DataSourceRef(type_val=DATASOURCE_TYPE, uid=DATASOURCE_UID)


@dataclass(frozen=True)
class InfluxQL:
    """SELECT <fields> FROM <measurement or subquery> WHERE $timeFilter AND <conditions> GROUP BY ... fill(...)."""

    source: str | InfluxQL
    fields: tuple[tuple[str, str], ...] = ()
    conditions: tuple[str, ...] = ()
    time_bucket: str | None = None
    group_tags: tuple[str, ...] = ()
    fill_value: str | None = None

    def select(self, expression: str, alias: str) -> Self:
        return dataclasses.replace(self, fields=(*self.fields, (expression, alias)))

    def where(self, *conditions: str) -> Self:
        return dataclasses.replace(self, conditions=(*self.conditions, *conditions))

    def by_time(self, bucket: str = INTERVAL) -> Self:
        return dataclasses.replace(self, time_bucket=bucket)

    def by_tags(self, *tags: str) -> Self:
        return dataclasses.replace(self, group_tags=(*self.group_tags, *tags))

    def fill(self, value: str) -> Self:
        return dataclasses.replace(self, fill_value=value)

    def render(self) -> str:
        if not self.fields:
            raise ValueError("an InfluxQL query needs at least one field")
        selected = ", ".join(f"{expression} AS {ident(alias)}" for expression, alias in self.fields)
        source = f"({self.source.render()})" if isinstance(self.source, InfluxQL) else ident(self.source)
        # Every query is bounded by the dashboard's time range, also the outer query over a subquery: without
        # it InfluxDB would bucket GROUP BY time() from the epoch.
        where = " AND ".join((TIME_FILTER, *self.conditions))
        text = f"SELECT {selected} FROM {source} WHERE {where}"
        groups = ([f"time({self.time_bucket})"] if self.time_bucket else []) + [ident(t) for t in self.group_tags]
        if groups:
            text += f" GROUP BY {', '.join(groups)}"
        if self.fill_value is not None:
            text += f" fill({self.fill_value})"
        return text


@dataclass(frozen=True)
class ShowTagValues:
    """SHOW TAG VALUES FROM <measurement> WITH KEY = <key> [WHERE ...]: what template variables list."""

    measurement: str
    key: str
    conditions: tuple[str, ...] = field(default_factory=tuple)

    def render(self) -> str:
        text = f"SHOW TAG VALUES FROM {ident(self.measurement)} WITH KEY = {ident(self.key)}"
        if self.conditions:
            text += " WHERE " + " AND ".join(self.conditions)
        return text


class InfluxQLTarget(cogvariants.Dataquery):
    """One raw InfluxQL query of a panel, in the shape Grafana's InfluxDB datasource stores it."""

    def __init__(self, ref_id: str, query: str, result_format: ResultFormat = "time_series") -> None:
        self.ref_id = ref_id
        self.query = query
        self.result_format = result_format

    def to_json(self) -> dict[str, object]:
        return {
            "refId": self.ref_id,
            "datasource": datasource_ref().to_json(),
            "query": self.query,
            "rawQuery": True,
            "resultFormat": self.result_format,
        }


class Target(cogbuilder.Builder[InfluxQLTarget]):
    """SDK builder for an InfluxQL target, so panels take it like any other query type."""

    def __init__(self, query: InfluxQL | str, ref_id: str = "A", result_format: ResultFormat = "time_series") -> None:
        text = query.render() if isinstance(query, InfluxQL) else query
        self._internal = InfluxQLTarget(ref_id, text, result_format)

    def build(self) -> InfluxQLTarget:
        return self._internal
