"""End to end on real servers: Mosquitto -> collector (in process) -> InfluxDB 1.6.7 through the v2 proxy."""

from __future__ import annotations

import json
import time
import urllib.request

from i5g.contract import (
    FIELD_AGENT_VERSION,
    FIELD_DROPPED,
    FIELD_LAT,
    FIELD_LON,
    FIELD_ONLINE,
    FIELD_SEQ,
    FIELD_SLA_OK,
    FIELD_SLA_VIOLATIONS,
    MEASUREMENT_COLLECTOR,
    MEASUREMENT_GATEWAY_STATUS,
    MEASUREMENT_KPI,
    TAG_CITY,
    TAG_ENTERPRISE,
    TAG_GATEWAY,
    TAG_INDUSTRY,
    TAG_REPLICA,
    TAG_SCENARIO,
    TAG_USE_CASE,
    encode_status,
    encode_telemetry,
    status_topic,
    telemetry_topic,
)
from tests.collector.conftest import count_points, settings_for, wait_for, write_directory_cache


def test_n_published_become_n_points_with_registry_tags(mosquitto, influxdb, tmp_path, start_collector, publisher):
    write_directory_cache(tmp_path / "state")
    start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state"))
    infos = publisher.publish_samples("gw-agv-1", 300) + publisher.publish_samples("gw-vision-2", 100, per_message=5)
    publisher.wait_all(infos)

    wait_for(lambda: count_points(influxdb.series_values) == 800, what="800 kpi points")
    rows = influxdb.series_values(
        f"SELECT count({FIELD_SEQ}) FROM {MEASUREMENT_KPI}"
        f" GROUP BY {TAG_GATEWAY}, {TAG_USE_CASE}, {TAG_SCENARIO}, {TAG_ENTERPRISE}, {TAG_CITY}, {TAG_INDUSTRY}"
    )
    assert [row[1] for row in rows] == [300, 500]
    series = influxdb.query(f"SHOW SERIES FROM {MEASUREMENT_KPI}")["results"][0]["series"][0]["values"]
    keys = sorted(value[0] for value in series)
    assert keys == [
        r"kpi,city=宁波,enterprise=Acme\ Motors\,\ Ltd,gateway=gw-agv-1,industry=automotive,scenario=agv,use_case=11",
        r"kpi,city=杭州,enterprise=Beta\ Steel,gateway=gw-vision-2,industry=steel,scenario=machine_vision,use_case=12",
    ]
    # Field types follow the contract: float KPIs stay float even when sent as JSON integers, pci is integer.
    field_types = dict(influxdb.series_values(f"SHOW FIELD KEYS FROM {MEASUREMENT_KPI}"))
    assert field_types["ul_mbps"] == "float" and field_types["pci"] == "integer" and field_types["seq"] == "integer"
    assert field_types["sla_ok"] == "boolean" and field_types["sla_violations"] == "integer"
    assert field_types["rtt_ms_ok"] == "boolean" and field_types["rat"] == "string"


def test_sla_fields_follow_the_scenario_bounds(mosquitto, influxdb, tmp_path, start_collector, publisher):
    from i5g.scenarios import bounds_for

    write_directory_cache(tmp_path / "state")
    start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state"))
    rtt_bound = next(r for r in bounds_for("agv") if r.kpi == "rtt_ms" and r.direction == "max")
    now = int(time.time() * 1000)
    good = {"ts": now - 2000, "seq": 1, "kpis": {"rtt_ms": rtt_bound.value / 2}}
    bad = {"ts": now - 1000, "seq": 2, "kpis": {"rtt_ms": rtt_bound.value * 3, "cpu_pct": 10}}
    publisher.publish_raw(telemetry_topic("gw-agv-1"), encode_telemetry("gw-agv-1", [good, bad])).wait_for_publish(5)

    rows = wait_for(
        lambda: influxdb.series_values(
            f"SELECT {FIELD_SLA_OK}, {FIELD_SLA_VIOLATIONS}, rtt_ms_ok, {FIELD_SEQ} FROM {MEASUREMENT_KPI}"
        )
    )
    assert rows == [[now - 2000, True, 0, True, 1], [now - 1000, False, 1, False, 2]]


def test_redelivered_message_does_not_double_count(mosquitto, influxdb, tmp_path, start_collector, publisher):
    write_directory_cache(tmp_path / "state")
    collector = start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state"))
    payload = encode_telemetry("gw-agv-1", [{"ts": int(time.time() * 1000), "seq": 7, "kpis": {"rtt_ms": 3.5}}])
    for _ in range(3):  # what a redelivery or an agent's retry looks like to the collector
        publisher.publish_raw(telemetry_topic("gw-agv-1"), payload).wait_for_publish(5)
    wait_for(lambda: collector.metrics.snapshot()["acked"] == 3, what="3 messages stored and acked")
    assert collector.metrics.snapshot()["written"] == 3
    assert count_points(influxdb.series_values) == 1


def test_status_goes_to_gateway_status_with_coordinates(mosquitto, influxdb, tmp_path, start_collector, publisher):
    write_directory_cache(tmp_path / "state")
    collector = start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state"))
    ts = int(time.time() * 1000)
    rejected = {"version": 8, "reason": "log_level: pinned"}
    body = encode_status(
        "gw-agv-1", True, agent_version="1.2.3", ts=ts, dropped=4, applied_version=7, config_rejected=rejected
    )
    publisher.publish_raw(status_topic("gw-agv-1"), body, retain=True).wait_for_publish(5)
    rows = wait_for(
        lambda: influxdb.series_values(
            f"SELECT {FIELD_ONLINE}, {FIELD_DROPPED}, {FIELD_AGENT_VERSION}, {FIELD_LAT}, {FIELD_LON}, {TAG_CITY}"
            f" FROM {MEASUREMENT_GATEWAY_STATUS}"
        )
    )
    assert rows == [[ts, True, 4, "1.2.3", 29.87, 121.54, "宁波"]]
    state = collector.status.state("gw-agv-1")
    assert state is not None and state.online and state.last_seen_ms == ts
    # Remote configuration: what the agent reported goes to the registry with the next status push.
    assert collector.status._config["gw-agv-1"] == (7, (8, "log_level: pinned"))


def test_healthz_and_prometheus_metrics(mosquitto, influxdb, tmp_path, start_collector, publisher):
    write_directory_cache(tmp_path / "state")
    collector = start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state"))
    publisher.wait_all(publisher.publish_samples("gw-agv-1", 20))
    wait_for(lambda: count_points(influxdb.series_values) == 20)
    base = f"http://127.0.0.1:{collector.http.port}"
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        health = json.loads(response.read())
    assert response.status == 200 and health["status"] == "ok" and health["directory_gateways"] == 3
    text = wait_for(lambda: _metrics_with_acked(base, 20), what="20 acked in /metrics")
    assert "i5g_collector_received_total 20" in text
    assert "# TYPE i5g_collector_written_total counter" in text
    assert "i5g_collector_mqtt_connected 1.0" in text
    # ... and the same counters land in the `collector` measurement.
    wait_for(
        lambda: (
            influxdb.series_values(f"SELECT last(written) FROM {MEASUREMENT_COLLECTOR} WHERE {TAG_REPLICA} = 't1'")
            == [[0, 20]]
            or _last_written(influxdb) == 20
        ),
        what="collector measurement",
    )


def _metrics_with_acked(base: str, n: int) -> str | None:
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        text = response.read().decode()
    return text if f"i5g_collector_acked_total {n}\n" in text else None


def _last_written(influxdb) -> int | None:
    rows = influxdb.series_values(f"SELECT last(written) FROM {MEASUREMENT_COLLECTOR} WHERE {TAG_REPLICA} = 't1'")
    return rows[0][1] if rows else None
