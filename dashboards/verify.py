"""Run a dashboard's queries the way Grafana would, without Grafana, against a real InfluxDB.

Grafana's frontend replaces template variables (multi-value/All variables in InfluxQL regex form: each value
regex-escaped, several joined as `(a|b)`, All as the variable's allValue), then its backend replaces the
macros: `$timeFilter` -> `time >= <from>ms and time <= <to>ms`, `$__interval_ms` -> milliseconds and
`$__interval` -> e.g. `10s`. This module does the same, resolves the template variables in order (each one's
SHOW TAG VALUES with the variables before it substituted), and runs every panel query.

Standard library only, so `i5g dashboards check --influx-url` needs nothing beyond the dashboards themselves.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

ALL = "$__all"
QueryRunner = Callable[[str], dict[str, Any]]
# Chooses a variable's selection from the values its query listed: ALL, or some of the values.
Selector = Callable[[str, list[str]], "list[str] | str"]


def select_all(name: str, values: list[str]) -> list[str] | str:
    return ALL


def select_first(name: str, values: list[str]) -> list[str] | str:
    return values[:1] if values else ALL


# Grafana's escapeRegex (packages/grafana-data/src/text/string.ts): these characters get a backslash.
_REGEX_SPECIAL = re.compile(r"[\\^$*+?.()|\[\]{}/]")
_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
# Grafana's rangeutil.roundInterval steps (ms -> interval text), the ones dashboards meet in practice.
_ROUNDED = [
    (1_000, "1s"),
    (2_000, "2s"),
    (5_000, "5s"),
    (10_000, "10s"),
    (15_000, "15s"),
    (20_000, "20s"),
    (30_000, "30s"),
    (60_000, "1m"),
    (300_000, "5m"),
    (600_000, "10m"),
    (900_000, "15m"),
    (1_800_000, "30m"),
    (3_600_000, "1h"),
    (10_800_000, "3h"),
    (21_600_000, "6h"),
    (43_200_000, "12h"),
    (86_400_000, "1d"),
]


def duration_ms(text: str) -> int:
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a Grafana duration: {text!r}")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def interval_for(range_ms: int, max_data_points: int = 1000, min_interval_ms: int = 1000) -> tuple[int, str]:
    """Grafana's auto interval: range / max data points, rounded up to the next readable step."""
    wanted = max(range_ms // max_data_points, min_interval_ms)
    for step_ms, text in _ROUNDED:
        if step_ms >= wanted:
            return step_ms, text
    return _ROUNDED[-1]


@dataclass(frozen=True)
class TimeRange:
    from_ms: int
    to_ms: int

    def back_from_end(self, duration: str) -> TimeRange:
        """A panel's relative time override (`timeFrom`): the same end, reaching back `duration`."""
        return TimeRange(self.to_ms - duration_ms(duration), self.to_ms)


def format_variable(values: list[str] | str, all_value: str | None) -> str:
    """A multi-value variable's value as Grafana's InfluxDB datasource interpolates it into a regex."""
    if values == ALL or values == [ALL]:
        return all_value if all_value is not None else ".*"
    if isinstance(values, str):
        values = [values]
    escaped = [_REGEX_SPECIAL.sub(lambda m: "\\" + m.group(0), value) for value in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def interpolate(query: str, variables: dict[str, str], time_range: TimeRange) -> str:
    """Variables first (frontend), then macros (backend), longest names first so $city does not eat $cityx."""
    text = query
    for name in sorted(variables, key=len, reverse=True):
        text = text.replace("${" + name + "}", variables[name]).replace("$" + name, variables[name])
    interval_ms, interval_text = interval_for(time_range.to_ms - time_range.from_ms)
    text = text.replace("$timeFilter", f"time >= {time_range.from_ms}ms and time <= {time_range.to_ms}ms")
    text = text.replace("$__interval_ms", str(interval_ms)).replace("$__interval", interval_text)
    return text


@dataclass
class QueryOutcome:
    dashboard: str
    panel: str
    query: str
    rows: int = 0
    non_null: int = 0
    columns: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.non_null > 0


def summarise(response: dict[str, Any]) -> tuple[int, int, list[str], str | None]:
    """(rows, non-null values outside the time column, columns, error) of an InfluxDB /query answer."""
    rows = non_null = 0
    columns: list[str] = []
    for result in response.get("results", []):
        if "error" in result:
            return 0, 0, [], str(result["error"])
        for series in result.get("series", []):
            columns = series.get("columns", [])
            for values in series.get("values", []):
                rows += 1
                non_null += sum(
                    1 for column, value in zip(columns, values, strict=False) if column != "time" and value is not None
                )
    if "error" in response:
        return 0, 0, [], str(response["error"])
    return rows, non_null, columns, None


def tag_values(response: dict[str, Any]) -> list[str]:
    """The values of a SHOW TAG VALUES answer."""
    values = []
    for result in response.get("results", []):
        if "error" in result:
            raise ValueError(result["error"])
        for series in result.get("series", []):
            values += [row[1] for row in series.get("values", [])]
    return sorted(set(values))


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def resolve_variables(
    board: dict[str, Any], run: QueryRunner, time_range: TimeRange, select: Selector = select_all
) -> tuple[dict[str, str], list[QueryOutcome]]:
    """Run each template variable's query in order, with the selections of the variables before it."""
    formatted: dict[str, str] = {}
    outcomes = []
    for variable in board.get("templating", {}).get("list", []):
        query = interpolate(variable["query"], formatted, time_range)
        response = run(query)
        rows, non_null, columns, error = summarise(response)
        outcomes.append(
            QueryOutcome(board["uid"], f"variable {variable['name']}", query, rows, non_null, columns, error)
        )
        values = [] if error else tag_values(response)
        selection = select(variable["name"], values)
        formatted[variable["name"]] = format_variable(selection, variable.get("allValue"))
    return formatted, outcomes


def run_dashboard(
    board: dict[str, Any], run: QueryRunner, time_range: TimeRange, select: Selector = select_all
) -> list[QueryOutcome]:
    """Every variable query and every panel query of one dashboard, as Grafana would send them."""
    variables, outcomes = resolve_variables(board, run, time_range, select)
    for panel in panels(board):
        panel_range = time_range.back_from_end(panel["timeFrom"]) if panel.get("timeFrom") else time_range
        for target in panel.get("targets", []):
            query = interpolate(target["query"], variables, panel_range)
            rows, non_null, columns, error = summarise(run(query))
            outcomes.append(QueryOutcome(board["uid"], panel.get("title", ""), query, rows, non_null, columns, error))
    return outcomes


def http_runner(
    influx_url: str, database: str, timeout: float = 30.0, headers: dict[str, str] | None = None
) -> QueryRunner:
    """A QueryRunner over InfluxDB's v1 /query API (1.x natively; 2.x and 3.x through their compatibility API)."""

    def run(query: str) -> dict[str, Any]:
        data = urllib.parse.urlencode({"q": query, "db": database, "epoch": "ms"}).encode()
        request = urllib.request.Request(f"{influx_url.rstrip('/')}/query", data=data, headers=headers or {})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    return run
