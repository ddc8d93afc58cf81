"""The query harness substitutes variables and macros the way Grafana does (frontend then backend)."""

from __future__ import annotations

import re

from dashboards.verify import ALL, TimeRange, format_variable, interpolate, interval_for


def test_variable_formatting_matches_grafanas_influxdb_regex_form() -> None:
    assert format_variable(ALL, ".*") == ".*"
    assert format_variable(["常州"], ".*") == "常州"
    assert format_variable(["中天钢铁(常州)集团"], ".*") == r"中天钢铁\(常州\)集团"
    assert format_variable(["a.b", "c/d"], ".*") == r"(a\.b|c\/d)"


def test_macros_and_variables_are_substituted() -> None:
    query = 'SELECT mean("rtt_ms") FROM "kpi" WHERE $timeFilter AND "city" =~ /^$city$/ AND "x" =~ /^${city}$/ '
    query += "GROUP BY time($__interval) fill(none) LIMIT $__interval_ms"
    text = interpolate(query, {"city": "(常州|苏州)"}, TimeRange(1_000_000, 1_600_000))
    assert "time >= 1000000ms and time <= 1600000ms" in text
    assert '"city" =~ /^(常州|苏州)$/' in text and '"x" =~ /^(常州|苏州)$/' in text
    assert "GROUP BY time(1s)" in text and "LIMIT 1000" in text
    assert re.search(r"\$[A-Za-z_{]", text) is None  # no variable or macro left


def test_interval_follows_the_range() -> None:
    assert interval_for(15 * 60_000) == (1_000, "1s")
    assert interval_for(6 * 3_600_000) == (30_000, "30s")
    assert interval_for(7 * 86_400_000) == (900_000, "15m")


def test_panel_time_override_reaches_back_from_the_end() -> None:
    assert TimeRange(0, 10 * 86_400_000).back_from_end("7d") == TimeRange(3 * 86_400_000, 10 * 86_400_000)
