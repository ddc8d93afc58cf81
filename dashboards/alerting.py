"""The default alert rules (i5g/alert_rules.py, from each scenario's requirement profile: the ones the registry's
evaluator starts every use case with) as a Grafana alert-rule provisioning file, for users who alert from Grafana
instead of (or besides) the registry's evaluator. `i5g dashboards build` writes it to
dashboards/generated/alerting/i5g-alert-rules.json; copy that into Grafana's provisioning/alerting/
(deploy/grafana/README.md).

File format: Grafana's documented alert-rule file provisioning (apiVersion 1, groups of rules with uid, title,
condition, data, for, noDataState, execErrState, annotations, labels),
https://grafana.com/docs/grafana/latest/alerting/set-up/provision-alerting-resources/file-provisioning/ . Each
rule is query A (InfluxQL on the i5g datasource) -> B reduce (last) -> C threshold, the shape Grafana's own rule
export produces. Grafana reads JSON as well as YAML there.

Where Grafana cannot compute exactly what the evaluator does, the rule says so in its description: availability
reads the evidence rollups (the stored result of the evidence computation; per gateway, a few minutes behind),
KPI bounds compare the last value per gateway, and the no-data rule alerts through Grafana's NoData state.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from dashboards.influxql import ident, literal
from i5g.alert_rules import DEFAULTS, RuleKind, RuleSpec, default_rules
from i5g.contract import (
    FIELD_AVAILABLE_MS,
    FIELD_COUNT,
    FIELD_DROPPED,
    FIELD_ONLINE,
    FIELD_SEQ,
    MEASUREMENT_DEAD_LETTER,
    MEASUREMENT_GATEWAY_STATUS,
    MEASUREMENT_KPI,
    MEASUREMENT_KPI_1M,
    ROLLUP_RETENTION_POLICY,
    TAG_GATEWAY,
    TAG_SCENARIO,
    TAG_USE_CASE,
)
from i5g.grafana import DATASOURCE_UID, FLEET_UID, FOLDER_TITLE, scenario_uid
from i5g.scenarios import SCENARIOS

FILE_NAME = "i5g-alert-rules.json"
EXPRESSION_UID = "__expr__"  # Grafana's server-side expressions "datasource"
INTERVAL = "1m"
UID_MAX = 40  # Grafana uids: at most 40 characters of [A-Za-z0-9_-]
STATUS_RANGE_S = 7 * 86400  # the latest status of a gateway is looked for this far back (as the fleet dashboard)


def _uid(*parts: str) -> str:
    base = "i5g-" + "-".join(p.replace("_", "-") for p in parts if p)
    if len(base) <= UID_MAX:
        return base
    return base[: UID_MAX - 9] + "-" + hashlib.sha1(base.encode()).hexdigest()[:8]


def _duration(seconds: float) -> str:
    return f"{math.ceil(seconds)}s"


def _scenario_filter(key: str) -> str:
    return f"{ident(TAG_SCENARIO)} = {literal(key)}"


def query(spec: RuleSpec, scenario: str | None) -> tuple[str, int]:
    """(InfluxQL, seconds of data it reads) for one rule; scenario None: fleet-wide (dead letters)."""
    where = f"{_scenario_filter(scenario)} AND $timeFilter" if scenario else "$timeFilter"
    per_gateway = f"GROUP BY {ident(TAG_GATEWAY)}"
    per_use_case = f"{per_gateway}, {ident(TAG_USE_CASE)}"
    status = ident(MEASUREMENT_GATEWAY_STATUS)
    if spec.kind == RuleKind.kpi_bound:
        select = f"SELECT last({ident(spec.kpi)}) FROM {ident(MEASUREMENT_KPI)}"
        return f"{select} WHERE {where} {per_use_case}", max(300, math.ceil(spec.for_s) + 60)
    if spec.kind == RuleKind.availability:
        source = f"{ident(ROLLUP_RETENTION_POLICY)}.{ident(MEASUREMENT_KPI_1M)}"
        select = f"SELECT sum({ident(FIELD_AVAILABLE_MS)}) * 100 / {spec.window_s * 1000} FROM {source}"
        return f"{select} WHERE {where} {per_use_case}", spec.window_s
    if spec.kind == RuleKind.gateway_offline:
        online = ident(FIELD_ONLINE)
        latest = f"SELECT last({online}) AS {online} FROM {status} WHERE {where} {per_gateway}"
        return f"SELECT count({online}) FROM ({latest}) WHERE {online} = false {per_gateway}", STATUS_RANGE_S
    if spec.kind == RuleKind.no_data:
        select = f"SELECT count({ident(FIELD_SEQ)}) FROM {ident(MEASUREMENT_KPI)}"
        return f"{select} WHERE {where} {per_gateway}", math.ceil(spec.for_s)
    if spec.kind == RuleKind.dead_letters:
        select = f"SELECT sum({ident(FIELD_COUNT)}) FROM {ident(MEASUREMENT_DEAD_LETTER)}"
        return f"{select} WHERE {where} {per_gateway}", spec.window_s
    select = f"SELECT sum({ident(FIELD_DROPPED)}) FROM {status}"
    return f"{select} WHERE {where} {per_gateway}", spec.window_s


def _threshold(spec: RuleSpec) -> tuple[str, float]:
    if spec.kind == RuleKind.gateway_offline:
        return "gt", 0
    if spec.kind == RuleKind.no_data:
        return "lt", 1
    return ("lt" if spec.direction == "min" else "gt"), spec.threshold


def _expression(ref_id: str, model: dict[str, Any]) -> dict[str, Any]:
    return {
        "refId": ref_id,
        "relativeTimeRange": {"from": 0, "to": 0},
        "datasourceUid": EXPRESSION_UID,
        "model": {"refId": ref_id, "datasource": {"type": EXPRESSION_UID, "uid": EXPRESSION_UID}, **model},
    }


def rule(spec: RuleSpec, scenario: str | None, title: str, description: str) -> dict[str, Any]:
    text, seconds = query(spec, scenario)
    evaluator, value = _threshold(spec)
    return {
        "uid": _uid(scenario or "fleet", spec.kind.value, spec.kpi),
        "title": title,
        "condition": "C",
        "data": [
            {
                "refId": "A",
                "relativeTimeRange": {"from": seconds, "to": 0},
                "datasourceUid": DATASOURCE_UID,
                "model": {
                    "refId": "A",
                    "query": text,
                    "rawQuery": True,
                    "resultFormat": "time_series",
                    "intervalMs": 60_000,
                    "maxDataPoints": 43_200,
                },
            },
            _expression("B", {"type": "reduce", "expression": "A", "reducer": "last"}),
            _expression(
                "C",
                {
                    "type": "threshold",
                    "expression": "B",
                    "conditions": [{"evaluator": {"type": evaluator, "params": [value]}}],
                },
            ),
        ],
        "noDataState": "Alerting" if spec.kind == RuleKind.no_data else "OK",
        "execErrState": "Error",
        "for": _duration(spec.for_s),
        "annotations": {
            "summary": title,
            "description": description,
            "dashboard_uid": scenario_uid(scenario) if scenario else FLEET_UID,
        },
        "labels": {"i5g_rule": spec.kind.value, "scenario": scenario or "any", "kpi": spec.kpi or "none"},
        "isPaused": False,
    }


def _describe(spec: RuleSpec) -> str:
    window = f" over {spec.window_s // 60} min" if spec.window_s else ""
    held = f" for {spec.for_s:g} s" if spec.for_s else ""
    relation = "below" if spec.direction == "min" else "above"
    what = {
        RuleKind.availability: f"availability{window} {relation} {spec.threshold:g} % (evidence rollups, per gateway)",
        RuleKind.kpi_bound: f"{spec.kpi} {relation} its bound {spec.threshold:g}{held}",
        RuleKind.gateway_offline: f"gateway offline{held}",
        RuleKind.no_data: f"no telemetry{held}",
        RuleKind.dead_letters: f"more than {spec.threshold:g} dead letters{window}",
        RuleKind.spool_backlog: f"agent spool dropped more than {spec.threshold:g} samples{window}",
    }
    return what[spec.kind]


def provisioning() -> dict[str, Any]:
    """The whole provisioning document: one rule group per scenario plus a fleet group (dead letters carry no
    scenario tag)."""
    groups = []
    for key, scenario in sorted(SCENARIOS.items()):
        specs = [s for s in default_rules(key, DEFAULTS) if s.kind != RuleKind.dead_letters]
        rules = [rule(s, key, f"{scenario.name_en}: {_describe(s)}", _describe(s)) for s in specs]
        groups.append({"orgId": 1, "name": f"i5g {key}", "folder": FOLDER_TITLE, "interval": INTERVAL, "rules": rules})
    dead = next(s for s in default_rules("", DEFAULTS) if s.kind == RuleKind.dead_letters)
    fleet_rules = [rule(dead, None, f"Fleet: {_describe(dead)}", _describe(dead))]
    groups.append({"orgId": 1, "name": "i5g fleet", "folder": FOLDER_TITLE, "interval": INTERVAL, "rules": fleet_rules})
    return {"apiVersion": 1, "groups": groups}
