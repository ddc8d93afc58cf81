"""The telemetry contract (i5g/contract.py) and the scenario profiles (i5g/scenarios.py) are the only definitions:
whatever the collector's writer can produce, the dashboards can query and the agent can encode stays inside them
(issue 14)."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.metrics import CollectorMetrics
from collector.sla import sla_fields
from collector.validate import decode_telemetry
from collector.writer import (
    collector_line,
    dead_letter_line,
    gateway_status_line,
    kpi_line,
)
from edge_agent.sources import simulated
from i5g import contract
from i5g.contract import (
    FIELD_ONLINE,
    KPI_TAGS,
    KPIS,
    MEASUREMENT_GATEWAY_STATUS,
    TAG_GATEWAY,
    Sample,
    declared_schema,
)
from i5g.lineprotocol import tag_set
from i5g.scenarios import SCENARIOS

GENERATED = Path(__file__).resolve().parents[2] / "dashboards" / "generated"


def _parse(line: str) -> tuple[str, set[str], set[str]]:
    """measurement, tag keys, field keys of one line-protocol line (values here carry no spaces or commas in keys)."""
    series, fields, _ts = re.match(r"^((?:[^ \\]|\\.)+) (.+) (-?\d+)$", line).groups()  # type: ignore[union-attr]
    measurement, *tags = re.split(r"(?<!\\),", series)
    field_keys = {part.split("=", 1)[0] for part in re.findall(r'(\w+=(?:"(?:[^"\\]|\\.)*"|[^,]+))', fields)}
    return measurement, {tag.split("=", 1)[0] for tag in tags}, field_keys


def _assert_declared(line: str) -> None:
    measurement, tags, fields = _parse(line)
    schema = declared_schema()
    assert measurement in schema, f"undeclared measurement {measurement!r}"
    declared_tags, declared_fields = schema[measurement]
    assert tags <= declared_tags, f"{measurement}: undeclared tags {tags - declared_tags}"
    assert fields <= declared_fields, f"{measurement}: undeclared fields {fields - declared_fields}"


def _every_tag() -> str:
    return tag_set((tag, f"v-{tag}") for tag in KPI_TAGS)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_kpi_points_of_every_scenario_are_declared(scenario: str) -> None:
    kpis = {name: kpi.minimum for name in KPIS for kpi in (KPIS[name],)}
    ctx = {key: "x" for key in contract.CTX_KEYS}
    _assert_declared(kpi_line(_every_tag(), 1, 1, kpis, ctx, sla_fields(scenario, kpis)))


def test_status_dead_letter_and_collector_points_are_declared() -> None:
    _assert_declared(gateway_status_line(_every_tag(), 1, True, 3, "0.2.0", 31.8, 119.9))
    _assert_declared(dead_letter_line("gw-1", "range", 1, "why", "i5g/v1/gw-1/telemetry", 2, sample_ts=5, key="k"))
    _assert_declared(dead_letter_line(contract.UNKNOWN_GATEWAY, "topic", 1, "why", "x"))
    _assert_declared(collector_line("replica-1", 1, CollectorMetrics().snapshot()))


def test_the_checker_catches_an_undeclared_name() -> None:
    with pytest.raises(AssertionError, match="undeclared fields"):
        _assert_declared(f"{MEASUREMENT_GATEWAY_STATUS},{TAG_GATEWAY}=g {FIELD_ONLINE}=true,onlien=true 1")


def test_every_scenario_has_its_kpi_list_of_contract_kpis() -> None:
    for scenario in SCENARIOS.values():
        assert scenario.kpis, f"{scenario.key} has no KPI list"
        for kpi in scenario.kpi_names:
            assert KPIS[kpi].group == "scenario", (scenario.key, kpi)
        # A bound on a scenario KPI that the scenario does not report could never be checked.
        for bound in scenario.bounds():
            if KPIS[bound.kpi].group == "scenario":  # type: ignore[index]
                assert bound.kpi in scenario.kpi_names, (scenario.key, bound.kpi)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_simulator_reports_what_the_profile_lists(scenario: str) -> None:
    reading = simulated.stream_for(scenario, 7, "steady", 0.0).next()
    reported = set(reading.kpis)
    assert set(SCENARIOS[scenario].kpi_names) <= reported
    assert set(contract.NETWORK_KPIS) <= reported
    assert reported <= set(KPIS)


def _queries() -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("query"), str):
                found.append(node["query"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(GENERATED.glob("*.json")):
        walk(json.loads(path.read_text()))
    return found


def test_every_dashboard_query_names_only_declared_measurements_tags_and_fields() -> None:
    schema = declared_schema()
    queries = _queries()
    assert len(queries) > 200
    bad = []
    for query in queries:
        measurements = set(re.findall(r'FROM "(\w+)"', query))
        assert measurements <= set(schema), query
        aliases = set(re.findall(r'AS "([^"]+)"', query))
        named = set(re.findall(r'"([^"]+)"', re.sub(r'AS "[^"]+"', "", query))) - measurements
        allowed = aliases | {name for m in measurements for part in schema[m] for name in part}
        if named - allowed:
            bad.append(f"{sorted(named - allowed)}: {query}")
    assert bad == []


@given(
    samples=st.lists(
        st.builds(
            Sample,
            ts=st.integers(0, 2**53),
            seq=st.integers(0, 2**53),
            kpis=st.dictionaries(st.sampled_from(sorted(KPIS)), st.floats(-1e6, 1e6), min_size=1),
            ctx=st.dictionaries(st.sampled_from(sorted(contract.CTX_KEYS)), st.text(max_size=20)),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_sample_codec_round_trips_and_the_batch_equals_the_whole_encoding(samples: list[Sample]) -> None:
    encoded = [contract.encode_sample(sample) for sample in samples]
    assert [contract.decode_sample(text) for text in encoded] == samples
    batch = contract.encode_telemetry_batch("gw-1", encoded)
    assert batch == contract.encode_telemetry("gw-1", samples)
    whole = {"v": contract.CONTRACT_VERSION, "gw": "gw-1", "samples": [sample.to_json() for sample in samples]}
    assert json.loads(batch) == whole
    decoded = decode_telemetry(contract.telemetry_topic("gw-1"), batch, now_ms=samples[0].ts)
    assert decoded.gateway == "gw-1"


def test_seq_order_is_kept_in_a_batch() -> None:
    samples = [Sample(1000 + i, i, {"rtt_ms": float(i)}) for i in range(3)]
    items = json.loads(contract.encode_telemetry_batch("gw-1", [contract.encode_sample(s) for s in samples]))
    assert all(a["seq"] < b["seq"] for a, b in pairwise(items["samples"]))
