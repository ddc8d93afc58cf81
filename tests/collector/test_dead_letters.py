"""Bad input is dead-lettered with its reason while good data keeps flowing (real Mosquitto + InfluxDB)."""

from __future__ import annotations

import time
import urllib.request

from collector.validate import Reason
from i5g.contract import (
    FIELD_COUNT,
    FIELD_DEAD_LETTER_SAMPLE_TS,
    FIELD_DETAIL,
    FIELD_SEQ,
    MEASUREMENT_DEAD_LETTER,
    MEASUREMENT_KPI,
    TAG_GATEWAY,
    TAG_REASON,
    encode_telemetry,
    telemetry_topic,
)
from tests.collector.conftest import count_points, settings_for, wait_for, write_directory_cache


def test_bad_messages_dead_lettered_good_ones_flow(mosquitto, influxdb, tmp_path, start_collector, publisher, caplog):
    write_directory_cache(tmp_path / "state")
    collector = start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state"))
    now = int(time.time() * 1000)
    topic = telemetry_topic("gw-agv-1")
    mixed = [
        {"ts": now - 3000, "seq": 1, "kpis": {"rtt_ms": 4}},
        {"ts": now - 2000, "seq": 2, "kpis": {"rtt_ms": -4}},  # out of range: only this sample goes
        {"ts": now - 1000, "seq": 3, "kpis": {"rtt_ms": 6}},
    ]
    bad = [
        (topic, b"{oops"),
        (topic, b"\xc3\x28"),
        (topic, encode_telemetry("gw-vision-2", [{"ts": now, "seq": 1, "kpis": {"rtt_ms": 1}}])),
        (telemetry_topic("gw-nobody"), encode_telemetry("gw-nobody", [{"ts": now, "seq": 1, "kpis": {"rtt_ms": 1}}])),
        (telemetry_topic("gw-off-3"), encode_telemetry("gw-off-3", [{"ts": now, "seq": 1, "kpis": {"rtt_ms": 1}}])),
        (topic, b'{"v":1,"gw":"gw-agv-1","samples":[{"ts":%d,"seq":9,"kpis":{"rtt_ms":Infinity}}]}' % now),
    ]
    infos = [publisher.publish_raw(t, p) for t, p in bad]
    infos.append(publisher.publish_raw(topic, encode_telemetry("gw-agv-1", mixed)))
    infos += publisher.publish_samples("gw-vision-2", 50)
    publisher.wait_all(infos)

    wait_for(
        lambda: count_points(influxdb.series_values, MEASUREMENT_DEAD_LETTER, FIELD_COUNT) == 6, what="6 dead letters"
    )
    # 50 + 2 of gw-agv-1's mixed message + gw-off-3's: a disabled gateway's sample is stored, not dead-lettered.
    wait_for(lambda: count_points(influxdb.series_values) == 53, what="53 good points")
    rows = influxdb.series_values(
        f"SELECT {TAG_REASON}, {TAG_GATEWAY}, {FIELD_COUNT}, {FIELD_DETAIL} FROM {MEASUREMENT_DEAD_LETTER}"
    )
    assert sorted((r[1], r[2], r[3]) for r in rows) == sorted(
        [
            (Reason.JSON, "gw-agv-1", 1),
            (Reason.ENCODING, "gw-agv-1", 1),
            (Reason.GATEWAY_MISMATCH, "gw-agv-1", 1),
            (Reason.UNKNOWN_GATEWAY, "gw-nobody", 1),
            (Reason.JSON, "gw-agv-1", 1),
            (Reason.KPI_RANGE, "gw-agv-1", 1),
        ]
    )
    assert all(r[4] for r in rows), "every dead letter says why"
    assert [
        r[1]
        for r in influxdb.series_values(f"SELECT {FIELD_SEQ} FROM {MEASUREMENT_KPI} WHERE {TAG_GATEWAY} = 'gw-agv-1'")
    ] == [1, 3]
    assert "dead letter: gateway=gw-nobody reason=unknown_gateway" in caplog.text
    wait_for(lambda: collector.metrics.snapshot()["acked"] == len(infos), what="every message acked")
    assert collector.metrics.snapshot()["dead_lettered"] == 6


def test_lines_influxdb_refuses_are_isolated_and_dead_lettered(
    mosquitto, influxdb, tmp_path, start_collector, publisher
):
    # A string loss_pct already in the shard makes every float loss_pct a field type conflict (HTTP 400).
    now = int(time.time() * 1000)
    with urllib.request.urlopen(
        f"{influxdb.url}/write?db={influxdb.database}&precision=ms", data=f'kpi loss_pct="x" {now - 10_000}'.encode()
    ) as response:
        assert response.status == 204
    write_directory_cache(tmp_path / "state")
    collector = start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state"))
    samples = [{"ts": now - 5000 + i, "seq": i, "kpis": {"rtt_ms": 3.0}} for i in range(10)]
    samples[3]["kpis"]["loss_pct"] = 0.5
    samples[7]["kpis"]["loss_pct"] = 0.5
    publisher.publish_raw(telemetry_topic("gw-agv-1"), encode_telemetry("gw-agv-1", samples)).wait_for_publish(5)

    wait_for(lambda: count_points(influxdb.series_values, where="WHERE gateway = 'gw-agv-1'") == 8, what="8 stored")
    wait_for(lambda: count_points(influxdb.series_values, MEASUREMENT_DEAD_LETTER, FIELD_COUNT) == 2, what="2 refused")
    rows = influxdb.series_values(f"SELECT {FIELD_COUNT}, {TAG_REASON}, {FIELD_DETAIL} FROM {MEASUREMENT_DEAD_LETTER}")
    assert {row[2] for row in rows} == {Reason.REFUSED} and all("conflict" in row[3] for row in rows)
    wait_for(lambda: collector.metrics.snapshot()["acked"] == 1, what="the message acked")


def test_a_redelivered_message_rewrites_its_dead_letters_where_the_data_gives_a_timestamp(
    mosquitto, influxdb, tmp_path, start_collector, publisher
):
    """Dead letters are stamped when their message first arrived (collector/arrivals.py), keyed by a hash of the
    message: a redelivery (here: the same message sent again) rewrites the same points, bad JSON included; the
    rejected sample's own ts is kept in `sample_ts` (docs/telemetry.md)."""
    write_directory_cache(tmp_path / "state")
    collector = start_collector(settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state"))
    now = int(time.time() * 1000)
    samples = [
        {"ts": now - 3000, "seq": 1, "kpis": {"rtt_ms": -1}},  # out of range
        {"ts": now - 3000, "seq": 2, "kpis": {"rtt_ms": -2}},  # the same reason and ts: one record, count 2
        {"ts": now - 2000, "seq": 3, "kpis": {"nonsense": 1}},  # unknown KPI
        {"ts": now - 1000, "seq": 4, "kpis": {"rtt_ms": 5}},  # good
    ]
    messages = [
        (telemetry_topic("gw-agv-1"), encode_telemetry("gw-agv-1", samples)),
        (telemetry_topic("gw-nobody"), encode_telemetry("gw-nobody", samples[3:])),
        (telemetry_topic("gw-agv-1"), b"{oops"),
    ]
    for _ in range(2):
        publisher.wait_all([publisher.publish_raw(topic, payload) for topic, payload in messages])
    wait_for(lambda: collector.metrics.snapshot()["acked"] == 6, what="both rounds stored and acked")

    rows = influxdb.series_values(
        f"SELECT {TAG_REASON}, {TAG_GATEWAY}, {FIELD_COUNT}, {FIELD_DEAD_LETTER_SAMPLE_TS}"
        f" FROM {MEASUREMENT_DEAD_LETTER}"
    )
    by_reason: dict[str, int] = {}
    for _, reason, _, _, _ in rows:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    assert by_reason == {Reason.KPI_RANGE: 1, Reason.UNKNOWN_KPI: 1, Reason.UNKNOWN_GATEWAY: 1, Reason.JSON: 1}
    assert [(r[3], r[4]) for r in rows if r[1] == Reason.UNKNOWN_GATEWAY] == [(1, now - 1000)]
    assert [(r[3], r[4]) for r in rows if r[1] == Reason.KPI_RANGE] == [(2, now - 3000)]
    assert all(r[0] >= now for r in rows), "stamped on arrival, after the samples were taken"
    # The counter counts what each delivery dead-lettered (samples, or 1 per whole message), not points.
    assert collector.metrics.snapshot()["dead_lettered"] == 2 * (3 + 1 + 1)
    assert count_points(influxdb.series_values) == 1


def test_dead_letter_recorded_when_it_arrived_and_once_under_redelivery(
    mosquitto, influxdb, tmp_path, start_collector, publisher
):
    """A gateway without a real-time clock stamped its sample 1970: the dead letter shows up in the recent
    time range (when it arrived), keeps the sample's own ts, and the same message sent again - also after a
    collector restart - rewrites that point instead of adding one."""
    write_directory_cache(tmp_path / "state")
    settings = settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state")
    collector = start_collector(settings)
    topic = telemetry_topic("gw-agv-1")
    payload = encode_telemetry("gw-agv-1", [{"ts": 5_000, "seq": 1, "kpis": {"rtt_ms": 4}}])
    before_ms = int(time.time() * 1000)
    publisher.wait_all([publisher.publish_raw(topic, payload)])
    recent = "WHERE time > now() - 10m"
    wait_for(
        lambda: count_points(influxdb.series_values, MEASUREMENT_DEAD_LETTER, FIELD_COUNT, recent) == 1,
        what="dead letter",
    )
    rows = influxdb.series_values(
        f"SELECT {FIELD_COUNT}, {FIELD_DEAD_LETTER_SAMPLE_TS}, {TAG_REASON} FROM {MEASUREMENT_DEAD_LETTER} {recent}"
    )
    assert [row[1:] for row in rows] == [[1, 5_000, Reason.TOO_OLD]]
    first_time = rows[0][0]
    assert first_time >= before_ms

    publisher.wait_all([publisher.publish_raw(topic, payload)])  # sent again: the agent got no PUBACK
    wait_for(lambda: collector.metrics.snapshot()["acked"] == 2, what="both deliveries acked")
    collector.stop(drain_timeout_s=1)
    restarted = start_collector(settings)
    publisher.wait_all([publisher.publish_raw(topic, payload)])  # redelivered after a restart
    wait_for(lambda: restarted.metrics.snapshot()["acked"] == 1, what="redelivery acked")
    rows = influxdb.series_values(
        f"SELECT {FIELD_COUNT}, {FIELD_DEAD_LETTER_SAMPLE_TS} FROM {MEASUREMENT_DEAD_LETTER} {recent}"
    )
    assert [row[1:] for row in rows] == [[1, 5_000]], "counted once"
    assert rows[0][0] == first_time
    assert count_points(influxdb.series_values, MEASUREMENT_DEAD_LETTER, FIELD_COUNT, "WHERE time < now() - 1d") == 0
