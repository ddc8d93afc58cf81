"""The default alert rules as a Grafana alert-rule provisioning file (no Grafana server here): checked against
Grafana's documented file format (fixtures/grafana_alert_provisioning.json), against the evaluator's own rule
defaults, and every query is run on the real test InfluxDB to prove it is valid InfluxQL."""

from __future__ import annotations

import json
import re

from dashboards import alerting, build
from i5g.alert_rules import DEFAULTS, RuleKind, default_rules
from i5g.contract import (
    FIELD_AVAILABLE_MS,
    MEASUREMENT_KPI_1M,
    ROLLUP_RETENTION_POLICY,
    TAG_GATEWAY,
    TAG_SCENARIO,
    TAG_USE_CASE,
    declared_schema,
)
from i5g.scenarios import SCENARIOS
from registry.evidence.compute import COUNTERS
from tests.alerts.conftest import FIXTURES

DURATION = re.compile(r"^\d+(ms|s|m|h|d)$")
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
EXPRESSION_TYPES = {"reduce", "threshold", "math", "resample", "classic_conditions"}


def _check_document(document: dict, spec: dict) -> None:
    """The documented structure: required keys present, value sets respected, references resolvable."""
    assert document["apiVersion"] == 1 and isinstance(document["groups"], list) and document["groups"]
    uids: set[str] = set()
    for group in document["groups"]:
        assert set(spec["required"]["group"]) <= set(group), group.keys()
        assert isinstance(group.get("orgId", 1), int) and DURATION.match(group["interval"])
        for rule in group["rules"]:
            assert set(spec["required"]["rule"]) <= set(rule), rule.keys()
            assert UID.match(rule["uid"]) and rule["uid"] not in uids, rule["uid"]
            uids.add(rule["uid"])
            assert DURATION.match(rule["for"]), rule["for"]
            assert rule.get("noDataState", "NoData") in spec["noDataState"]
            assert rule.get("execErrState", "Alerting") in spec["execErrState"]
            for mapping in (rule.get("annotations", {}), rule.get("labels", {})):
                assert all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())
            seen: list[str] = []
            for item in rule["data"]:
                assert set(spec["required"]["data"]) <= set(item) and item["model"]["refId"] == item["refId"]
                if item["datasourceUid"] == "__expr__" and item["model"].get("type") in EXPRESSION_TYPES - {"math"}:
                    assert item["model"]["expression"] in seen, (rule["uid"], item)
                seen.append(item["refId"])
            assert rule["condition"] in seen


def test_the_documented_example_passes_the_check_and_ours_does_too() -> None:
    spec = json.loads((FIXTURES / "grafana_alert_provisioning.json").read_text("utf-8"))
    _check_document(spec["example"], spec)  # the check itself accepts what Grafana documents
    document = alerting.provisioning()
    _check_document(document, spec)
    committed = build.GENERATED_DIR / build.ALERTING_DIR / alerting.FILE_NAME
    assert json.loads(committed.read_text("utf-8")) == document  # `i5g dashboards build` output is current


def test_same_rules_as_the_evaluator() -> None:
    groups = {g["name"]: g for g in alerting.provisioning()["groups"]}
    for key in SCENARIOS:
        rules = {(r["labels"]["i5g_rule"], r["labels"]["kpi"]): r for r in groups[f"i5g {key}"]["rules"]}
        for spec in default_rules(key, DEFAULTS):
            if spec.kind == RuleKind.dead_letters:
                continue  # no scenario tag on dead letters: one fleet rule
            rule = rules.pop((spec.kind.value, spec.kpi or "none"))
            threshold = rule["data"][2]["model"]["conditions"][0]["evaluator"]["params"][0]
            if spec.kind not in (RuleKind.gateway_offline, RuleKind.no_data):
                assert threshold == spec.threshold, (key, spec)
            assert rule["for"] == f"{-(-spec.for_s // 1):.0f}s"
        assert rules == {}, f"{key}: rules the evaluator does not have: {sorted(rules)}"
    [fleet] = groups["i5g fleet"]["rules"]
    assert fleet["labels"]["i5g_rule"] == "dead_letters"


def test_queries_name_only_the_declared_storage_schema() -> None:
    """Like the dashboards' check (tests/contract): every measurement, tag and field a rule names is declared in
    i5g/contract.py; the evidence rollup the availability rule reads is declared there too."""
    schema = {
        **declared_schema(),
        MEASUREMENT_KPI_1M: (frozenset({TAG_GATEWAY, TAG_USE_CASE, TAG_SCENARIO}), frozenset({FIELD_AVAILABLE_MS})),
    }
    assert FIELD_AVAILABLE_MS in COUNTERS  # the rollup job writes every counter of the evidence computation
    for group in alerting.provisioning()["groups"]:
        for rule in group["rules"]:
            query = rule["data"][0]["model"]["query"]
            measurements = set(re.findall(r'FROM (?:"[^"]+"\.)?"(\w+)"', query)) - {ROLLUP_RETENTION_POLICY}
            assert measurements and measurements <= set(schema), query
            aliases = set(re.findall(r'AS "([^"]+)"', query))
            named = set(re.findall(r'"([^"]+)"', query)) - measurements - aliases - {ROLLUP_RETENTION_POLICY}
            allowed = {name for m in measurements for part in schema[m] for name in part}
            assert named <= allowed, (named - allowed, query)


def test_every_query_is_valid_influxql(influxdb) -> None:
    policy = f'CREATE RETENTION POLICY "{ROLLUP_RETENTION_POLICY}" ON "{influxdb.database}" DURATION 0s REPLICATION 1'
    influxdb.server.query(policy)
    statements = []
    for group in alerting.provisioning()["groups"]:
        for rule in group["rules"]:
            query = rule["data"][0]
            statements.append(query["model"]["query"].replace("$timeFilter", "time > now() - 1h"))
    for start in range(0, len(statements), 40):
        for result in influxdb.query("; ".join(statements[start : start + 40]))["results"]:
            assert "error" not in result, result
