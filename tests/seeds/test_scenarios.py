"""Every scenario carries a complete, cited (or explicitly project-default) requirement profile."""

from __future__ import annotations

import pytest

from i5g import scenarios
from i5g.contract import KPIS

REQUIRED_KEYS = {
    "agv",
    "machine_vision",
    "remote_control",
    "data_collection",
    "video_surveillance",
    "remote_diagnosis",
    "ar_assembly",
    "inspection_robot",
    "digital_twin",
    "automation_control",
}
ALL = sorted(scenarios.SCENARIOS)


def test_the_stable_keys_exist() -> None:
    assert set(scenarios.SCENARIOS) >= REQUIRED_KEYS


@pytest.mark.parametrize("key", ALL)
def test_profile_is_complete(key: str) -> None:
    scenario = scenarios.get(key)
    metrics = {r.metric for r in scenario.requirements}
    assert {"latency_ms", "one_way_latency_ms", "jitter_ms", "ul_mbps", "dl_mbps"} <= metrics
    assert "loss_pct" in metrics and metrics & {"availability_pct", "reliability_pct"}
    assert len(metrics) == len(scenario.requirements), "a metric appears twice"


@pytest.mark.parametrize("key", ALL)
def test_every_figure_is_cited_or_marked_project_default(key: str) -> None:
    for r in scenarios.get(key).requirements:
        if r.is_project_default:
            assert r.note, f"{key}.{r.metric}: a project default must say why"
            continue
        source = r.source.removeprefix("derived: 2 x one-way latency of ")
        assert source.startswith("3GPP T"), f"{key}.{r.metric}: {r.source!r}"
        assert "Table" in source or "table" in source, f"{key}.{r.metric}: no table in {r.source!r}"
        assert "row" in source, f"{key}.{r.metric}: no row in {r.source!r}"


@pytest.mark.parametrize("key", ALL)
def test_checkable_figures_name_contract_kpis(key: str) -> None:
    scenario = scenarios.get(key)
    for r in scenario.requirements:
        assert r.direction in ("max", "min")
        if r.kpi is not None:
            assert r.kpi in KPIS, f"{key}.{r.metric}: {r.kpi} is not a contract KPI"
            kpi = KPIS[r.kpi]
            assert kpi.minimum <= r.value <= kpi.maximum, f"{key}.{r.metric} outside the KPI's range"
    assert {r.kpi for r in scenario.bounds()} >= {"rtt_ms", "jitter_ms", "loss_pct", "ul_mbps", "dl_mbps"}


@pytest.mark.parametrize("key", ALL)
def test_rtt_bound_is_twice_the_one_way_latency(key: str) -> None:
    scenario = scenarios.get(key)
    latency, rtt = scenario.requirement("one_way_latency_ms"), scenario.requirement("latency_ms")
    assert latency is not None and rtt is not None
    assert latency.kpi is None, "a one-way bound must not be compared with RTT directly"
    assert rtt.kpi == "rtt_ms" and rtt.value == 2 * latency.value
    assert rtt.is_project_default == latency.is_project_default


@pytest.mark.parametrize("key", ALL)
def test_maps_to_miit_scenarios_with_both_names(key: str) -> None:
    scenario = scenarios.get(key)
    assert scenario.name_zh and scenario.name_en and scenario.description
    assert scenario.miit and all(name in scenarios.MIIT_SCENARIOS for name in scenario.miit)
    assert len(scenario.miit_en) == len(scenario.miit)


def test_miit_list_has_twenty_scenarios_in_two_batches() -> None:
    assert len(scenarios.MIIT_SCENARIOS) == 20
    assert sorted(batch for _en, batch in scenarios.MIIT_SCENARIOS.values()) == [1] * 10 + [2] * 10


def test_cited_rows_are_the_ones_documented() -> None:
    """Spot-check figures against the table rows read for docs/catalog.md (a typo here would move a bound)."""
    assert scenarios.get("agv").requirement("one_way_latency_ms").value == 10  # 22.104 T5.3-1 robots video
    assert scenarios.get("agv").requirement("ul_mbps").value == 10
    assert scenarios.get("data_collection").requirement("transfer_interval_ms").value == 60_000
    assert scenarios.get("remote_diagnosis").requirement("one_way_latency_ms").value == 100
    assert scenarios.get("remote_control").requirement("survival_time_ms").value == 16  # E-stop row
    assert scenarios.get("automation_control").requirement("one_way_latency_ms").value == 1


def test_violated_by_follows_direction() -> None:
    rtt = scenarios.get("agv").requirement("latency_ms")
    ul = scenarios.get("agv").requirement("ul_mbps")
    assert rtt.violated_by(rtt.value + 0.1) and not rtt.violated_by(rtt.value)
    assert ul.violated_by(ul.value - 0.1) and not ul.violated_by(ul.value)


def test_unknown_key_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="agv"):
        scenarios.get("nope")
