"""Enrichment and status against the REAL registry (the `registry_server` fixture), Mosquitto and InfluxDB."""

from __future__ import annotations

import json
import time

from collector.validate import Reason
from i5g.contract import (
    FIELD_COUNT,
    FIELD_LAT,
    FIELD_LON,
    FIELD_ONLINE,
    FIELD_SEQ,
    MEASUREMENT_DEAD_LETTER,
    MEASUREMENT_GATEWAY_STATUS,
    MEASUREMENT_KPI,
    TAG_CITY,
    TAG_ENTERPRISE,
    TAG_GATEWAY,
    TAG_INDUSTRY,
    TAG_REASON,
    TAG_SCENARIO,
    TAG_USE_CASE,
    encode_status,
    status_topic,
)
from tests.collector.conftest import count_points, settings_for, wait_for


def _settings(mosquitto, influxdb, registry_server, state_dir, **extra):
    return settings_for(
        mosquitto,
        influxdb.v2_url,
        influxdb.database,
        state_dir,
        registry_url=registry_server.url,
        registry_token=registry_server.collector_token,
        **extra,
    )


def _registered_gateway(
    registry_server, gateway_id: str, scenario: str = "agv", **gateway_fields
) -> tuple[dict, dict, dict]:
    enterprise = registry_server.create_enterprise(city="常州", industry="钢铁")
    use_case = registry_server.create_use_case(scenario, enterprise_id=enterprise["id"])
    gateway = registry_server.create_gateway(gateway_id, use_case_id=use_case["id"], **gateway_fields)
    return enterprise, use_case, gateway


def test_samples_carry_the_registry_tags(mosquitto, influxdb, registry_server, tmp_path, start_collector, publisher):
    enterprise, use_case, _ = _registered_gateway(registry_server, "gw-reg-1")
    start_collector(_settings(mosquitto, influxdb, registry_server, tmp_path / "state"))
    publisher.wait_all(publisher.publish_samples("gw-reg-1", 10))
    wait_for(lambda: count_points(influxdb.series_values) == 10, what="10 points")
    rows = influxdb.series_values(
        f"SELECT count({FIELD_SEQ}) FROM {MEASUREMENT_KPI}"
        f" GROUP BY {TAG_GATEWAY}, {TAG_USE_CASE}, {TAG_SCENARIO}, {TAG_ENTERPRISE}, {TAG_CITY}, {TAG_INDUSTRY}"
    )
    assert rows == [[0, 10]]
    tags = influxdb.query(f"SELECT count({FIELD_SEQ}) FROM {MEASUREMENT_KPI} GROUP BY *")["results"][0]["series"][0][
        "tags"
    ]
    assert tags == {
        "gateway": "gw-reg-1",
        "use_case": str(use_case["id"]),
        "scenario": "agv",
        "enterprise": enterprise["name"],
        "city": "常州",
        "industry": "钢铁",
    }
    # The good directory is kept for a restart while the registry is down.
    cached = json.loads((tmp_path / "state" / "directory.json").read_text("utf-8"))
    assert [entry["id"] for entry in cached["gateways"]] == ["gw-reg-1"]


def test_gateway_registered_after_start_works_at_once(
    mosquitto, influxdb, registry_server, tmp_path, start_collector, publisher
):
    _registered_gateway(registry_server, "gw-reg-old")
    settings = _settings(
        mosquitto,
        influxdb,
        registry_server,
        tmp_path / "state",
        directory_refresh_s=3600,
        directory_forced_refresh_min_s=0,
    )
    collector = start_collector(settings)
    wait_for(lambda: len(collector.directory) == 1, what="first directory")
    publisher.wait_all(publisher.publish_samples("gw-reg-new", 2))  # not registered yet: dead letters
    wait_for(
        lambda: count_points(influxdb.series_values, MEASUREMENT_DEAD_LETTER, FIELD_COUNT) == 2, what="2 dead letters"
    )
    assert {
        r[2] for r in influxdb.series_values(f"SELECT {FIELD_COUNT}, {TAG_REASON} FROM {MEASUREMENT_DEAD_LETTER}")
    } == {Reason.UNKNOWN_GATEWAY}

    _registered_gateway(registry_server, "gw-reg-new")
    publisher.wait_all(publisher.publish_samples("gw-reg-new", 5))
    wait_for(lambda: count_points(influxdb.series_values) == 5, what="5 points once registered")


def test_samples_of_a_disabled_gateway_are_stored(
    mosquitto, influxdb, registry_server, tmp_path, start_collector, publisher
):
    # Disabled (or its use case back in review): what reaches the collector is real data, never a dead letter.
    _registered_gateway(registry_server, "gw-reg-pending")
    response = registry_server.request("PATCH", "/api/v1/gateways/gw-reg-pending", json={"enabled": False})
    assert response.status_code == 200, response.text
    start_collector(_settings(mosquitto, influxdb, registry_server, tmp_path / "state"))
    publisher.wait_all(publisher.publish_samples("gw-reg-pending", 3))
    wait_for(lambda: count_points(influxdb.series_values) == 3, what="3 points of the disabled gateway")
    assert count_points(influxdb.series_values, MEASUREMENT_DEAD_LETTER, FIELD_COUNT) == 0


def test_registry_down_at_restart_the_cached_directory_serves(
    mosquitto, influxdb, registry_server, tmp_path, start_collector, publisher
):
    _registered_gateway(registry_server, "gw-reg-2")
    first = start_collector(_settings(mosquitto, influxdb, registry_server, tmp_path / "state"))
    wait_for(lambda: len(first.directory) == 1, what="directory fetched")
    first.stop()
    registry_server.stop()

    second = start_collector(_settings(mosquitto, influxdb, registry_server, tmp_path / "state"))
    publisher.wait_all(publisher.publish_samples("gw-reg-2", 10))
    wait_for(lambda: count_points(influxdb.series_values, where="WHERE city = '常州'") == 10, what="tagged points")
    assert second.directory.last_error is not None  # it really could not reach the registry


def test_online_and_last_seen_reach_the_registry(
    mosquitto, influxdb, registry_server, tmp_path, start_collector, publisher
):
    _registered_gateway(registry_server, "gw-reg-3")
    start_collector(_settings(mosquitto, influxdb, registry_server, tmp_path / "state"))
    ts = int(time.time() * 1000) - 5000
    publisher.publish_raw(status_topic("gw-reg-3"), encode_status("gw-reg-3", True, ts=ts)).wait_for_publish(5)

    def registry_view() -> dict | None:
        body = registry_server.request("GET", "/api/v1/gateways/gw-reg-3").json()
        return body if body["online"] else None

    body = wait_for(registry_view, what="online in the registry")
    assert body["last_seen_at"].startswith(time.strftime("%Y-%m-%dT%H:%M", time.gmtime(ts / 1000)))

    # The last will: offline, and last_seen does not move.
    publisher.publish_raw(status_topic("gw-reg-3"), encode_status("gw-reg-3", False)).wait_for_publish(5)
    body = wait_for(
        lambda: (b := registry_server.request("GET", "/api/v1/gateways/gw-reg-3").json()) and not b["online"] and b,
        what="offline in the registry",
    )
    assert body["last_seen_at"].startswith(time.strftime("%Y-%m-%dT%H:%M", time.gmtime(ts / 1000)))


def test_site_coordinates_from_the_registry_reach_gateway_status(
    mosquitto, influxdb, registry_server, tmp_path, start_collector, publisher
):
    """The dashboards' geomap reads lat/lon from gateway_status; they come from the gateway's registry record."""
    _registered_gateway(registry_server, "gw-reg-geo", latitude=31.81, longitude=119.97)
    start_collector(_settings(mosquitto, influxdb, registry_server, tmp_path / "state"))
    ts = int(time.time() * 1000)
    publisher.publish_raw(status_topic("gw-reg-geo"), encode_status("gw-reg-geo", True, ts=ts)).wait_for_publish(5)
    rows = wait_for(
        lambda: influxdb.series_values(
            f"SELECT {FIELD_ONLINE}, {FIELD_LAT}, {FIELD_LON}, {TAG_CITY} FROM {MEASUREMENT_GATEWAY_STATUS}"
        )
    )
    assert rows == [[ts, True, 31.81, 119.97, "常州"]]


def test_without_any_directory_telemetry_is_held_not_dead_lettered(
    mosquitto, influxdb, registry_server, tmp_path, start_collector, publisher
):
    _registered_gateway(registry_server, "gw-reg-4")
    # First start: registry unreachable and no cache file, so nothing can be tagged.
    blind = start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state"))
    publisher.wait_all(publisher.publish_samples("gw-reg-4", 5))
    wait_for(lambda: blind.metrics.snapshot()["received"] == 5, what="5 received")
    time.sleep(0.5)
    assert blind.metrics.snapshot()["acked"] == 0 and not blind.health()["directory_ready"]
    assert count_points(influxdb.series_values) == 0
    assert count_points(influxdb.series_values, MEASUREMENT_DEAD_LETTER, FIELD_COUNT) == 0
    blind.stop(drain_timeout_s=0.5)

    # With the registry reachable the broker's unacknowledged messages come back and are written.
    collector = start_collector(_settings(mosquitto, influxdb, registry_server, tmp_path / "state"))
    wait_for(lambda: count_points(influxdb.series_values) == 5, what="the 5 held samples written")
    wait_for(lambda: collector.metrics.snapshot()["acked"] == 5, what="and acknowledged")
    assert count_points(influxdb.series_values, MEASUREMENT_DEAD_LETTER, FIELD_COUNT) == 0
