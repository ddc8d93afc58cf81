"""Known samples through real Mosquitto -> collector -> real InfluxDB, figures asserted through the REST API.

One AGV use case (survival time 50 ms, availability target 99.9999 %), two gateways, window T0 .. T0+10 min:
- gw-ev-a: a sample every second, ok, except a 30 ms breach at +100 s (shorter than the survival time), a 10 s
  breach at +200 s .. +210 s (longer), no samples from +300 s to +360 s (a gap), one out-of-range sample at
  +450.5 s (a dead letter);
- gw-ev-b: online from T0-10 s, samples +0 .. +299 s, then offline at +300.5 s and silent.
The figures are computed by hand in the comments; then the rollup job runs and the same request must give the
same figures from rollups.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from i5g.contract import (
    FIELD_COUNT,
    FIELD_ONLINE,
    MEASUREMENT_DEAD_LETTER,
    MEASUREMENT_GATEWAY_STATUS,
    encode_status,
    encode_telemetry,
    status_topic,
    telemetry_topic,
)
from registry.evidence import rollup
from tests.collector.conftest import (
    Publisher,
    count_points,
    settings_for,
    wait_for,
    write_directory_cache,
)
from tests.evidence.conftest import EvidenceApi, evidence_settings, minute_ago

GOOD = {"rtt_ms": 10.0, "jitter_ms": 1.0, "loss_pct": 0.0, "ul_mbps": 50.0, "dl_mbps": 5.0, "agv_pos_err_cm": 2.0}
BAD = {**GOOD, "rtt_ms": 90.0}  # bound 20 ms


def _samples(t0: int) -> dict[str, list[tuple[int, dict[str, float]]]]:
    a = []
    for second in range(600):
        if 300 <= second < 360:
            continue
        a.append((t0 + second * 1000, BAD if 200 <= second < 210 or second == 100 else GOOD))
    a.append((t0 + 100_030, GOOD))  # ends the 100 s breach after 30 ms
    a.append((t0 + 450_500, {**GOOD, "rtt_ms": 1e9}))  # outside the contract's range: dead letter
    b = [(t0 + second * 1000, GOOD) for second in range(300)]
    return {"gw-ev-a": sorted(a), "gw-ev-b": b}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


@pytest.fixture
def agv_use_case(evidence_api: EvidenceApi) -> dict:
    use_case = evidence_api.client.create_use_case("agv")
    for gateway in ("gw-ev-a", "gw-ev-b"):
        evidence_api.client.create_gateway(gateway, use_case["id"])
    return use_case


def test_evidence_through_the_pipeline_raw_and_rollups(
    mosquitto, influxdb, start_collector, evidence_api: EvidenceApi, agv_use_case: dict, tmp_path: Path
) -> None:
    state = tmp_path / "collector"
    directory = [
        {
            "id": gw,
            "enabled": True,
            "use_case_id": agv_use_case["id"],
            "use_case": "agv",
            "scenario": "agv",
            "enterprise": "E",
            "city": "宁波",
            "industry": "汽车",
        }
        for gw in ("gw-ev-a", "gw-ev-b")
    ]
    write_directory_cache(state, directory)
    start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, state))
    t0 = minute_ago(30)
    publisher = Publisher(mosquitto.port)
    try:
        infos = [publisher.publish_raw(status_topic("gw-ev-b"), encode_status("gw-ev-b", True, ts=t0 - 10_000))]
        seq = 0
        for gateway, samples in _samples(t0).items():
            for start in range(0, len(samples), 200):
                batch = []
                for ts, kpis in samples[start : start + 200]:
                    seq += 1
                    batch.append({"ts": ts, "seq": seq, "kpis": kpis})
                infos.append(publisher.publish_raw(telemetry_topic(gateway), encode_telemetry(gateway, batch)))
        infos.append(publisher.publish_raw(status_topic("gw-ev-b"), encode_status("gw-ev-b", False, ts=t0 + 300_500)))
        publisher.wait_all(infos)
    finally:
        publisher.close()
    wait_for(lambda: count_points(influxdb.series_values) == 541 + 300, what="all samples stored")
    wait_for(
        lambda: count_points(influxdb.series_values, MEASUREMENT_GATEWAY_STATUS, FIELD_ONLINE) == 2,
        what="status stored",
    )
    wait_for(
        lambda: count_points(influxdb.series_values, MEASUREMENT_DEAD_LETTER, f'"{FIELD_COUNT}"') == 1,
        what="dead letter",
    )

    evidence_api.use(evidence_settings(influxdb.url, influxdb.database))
    path = f"/api/v1/usecases/{agv_use_case['id']}/evidence"
    params = {"from": _iso(t0), "to": _iso(t0 + 600_000)}
    raw = evidence_api.client.request("GET", path, params=params, token=None)
    assert raw.status_code == 200, raw.text
    body = raw.json()
    assert body["source"] == "raw"
    # gw-ev-a: 600 s - 9.95 s unavailable (10 s breach minus 50 ms survival) - 58 s no data (+302 s .. +360 s)
    # gw-ev-b: 302 s available (the last sample stands for 3 s), 298 s no data. Span: 2 x 600 s.
    assert body["samples"] == 541 + 300
    assert body["availability_pct"] == round(100 * (532_050 + 302_000) / 1_200_000, 6)
    assert body["unavailable_pct"] == round(100 * 9_950 / 1_200_000, 6)
    assert body["no_data_pct"] == round(100 * (58_000 + 298_000) / 1_200_000, 6)
    assert body["availability_target_pct"] == 99.9999
    assert body["compliant"] is False
    assert body["from"] == _iso(t0).replace("+00:00", "Z")
    rtt = next(k for k in body["kpis"] if k["kpi"] == "rtt_ms")
    assert (rtt["bound"], rtt["direction"], rtt["samples"]) == (20, "max", 841)
    assert rtt["within_bound_pct"] == round(100 * (841 - 11) / 841, 6)
    assert rtt["p50"] == pytest.approx(10, rel=0.01) and rtt["p99"] == pytest.approx(90, rel=0.01)
    (worst, *_) = body["worst_periods"]
    assert (worst["start"], worst["end"], worst["kpi"], worst["gateway_id"]) == (
        _iso(t0 + 200_050).replace("+00:00", "Z"),
        _iso(t0 + 210_000).replace("+00:00", "Z"),
        "rtt_ms",
        "gw-ev-a",
    )
    assert len(body["worst_periods"]) == 1  # the 30 ms breach is not an unavailable period
    gateways = {g["gateway_id"]: g for g in body["gateways"]}
    # The dead letter is stamped when it arrived (now, issue 20), but its rejected sample was measured in this
    # window, which is where evidence counts it.
    assert gateways["gw-ev-a"]["dead_letters"] == 1 and gateways["gw-ev-b"]["dead_letters"] == 0
    assert gateways["gw-ev-a"]["online_pct"] is None  # it never sent a status
    assert gateways["gw-ev-b"]["online_pct"] == round(100 * 300_500 / 600_000, 6)
    assert gateways["gw-ev-b"]["last_sample"] == _iso(t0 + 299_000).replace("+00:00", "Z")
    # 1-minute buckets over both gateways: the breach's minute, then the gap's minute (both silent but 2 s each)
    timeline = [(s["start"], s["state"]) for s in body["timeline"]]
    expected = [(0, "available"), (3, "unavailable"), (4, "available"), (5, "no_data"), (6, "available")]
    assert timeline == [(_iso(t0 + m * 60_000).replace("+00:00", "Z"), state) for m, state in expected]
    assert next(s for s in body["series"] if s["kpi"] == "rtt_ms")["bound"] == 20

    assert rollup.run_once(evidence_settings(influxdb.url, influxdb.database)) is not None
    rolled = evidence_api.client.request("GET", path, params=params, token=None).json()
    assert rolled["source"] == "rollup"
    assert {**rolled, "source": "raw"} == body  # the same figures from rollups as from raw samples
