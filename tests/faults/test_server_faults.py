"""Faults of the servers between the gateways and InfluxDB: InfluxDB, the collector, Mosquitto, the registry.

Every scenario runs the real processes - Mosquitto, InfluxDB, `i5g collector run`, `i5g agent simulate`
(10 gateways, 30 samples/s in all) - injects the fault while samples flow, then stops the fleet cleanly and
checks, per gateway and seq, that every sample the agents generated is in InfluxDB exactly once (redelivered
copies are the same point). I5G_LONG=1 makes the outages as long as the issue states (tests/faults/harness.py).
"""

from __future__ import annotations

import time

from i5g.contract import FIELD_SEQ, MEASUREMENT_KPI, TAG_ENTERPRISE, TAG_SCENARIO
from tests.collector.conftest import wait_for
from tests.faults.harness import count_points, outage, stop_and_account, wait_complete

GATEWAYS = 10
RATE = 3.0  # samples per second per gateway


def start_flowing(mosquitto, influx_url: str, v2_url: str, database: str, processes, before: str, **collector_env):
    """Fleet and collector running, and some samples already stored: the moment a fault is injected."""
    fleet = processes.fleet(mosquitto.port, GATEWAYS, RATE)
    collector = processes.collector(mosquitto.port, v2_url, database, fleet.ids, **collector_env).start()
    fleet.start()
    wait_for(lambda: count_points(influx_url, database) > 30, what=f"points before the {before}")
    return fleet, collector


def account(fleet, influx_url: str, database: str, timeout: float = 30.0):
    """Stop the fleet cleanly, then every sample it generated must be stored exactly once."""
    book = wait_complete(influx_url, database, stop_and_account(fleet), timeout=timeout)
    assert book.complete, book.summary()
    return book


def test_influxdb_stopped_mid_stream_then_restarted_loses_nothing(mosquitto, own_influx, processes) -> None:
    server, proxy = own_influx
    fleet, collector = start_flowing(mosquitto, server.url, proxy.url, "tele", processes, "outage")

    server.stop()
    time.sleep(outage(6, 60))
    health = collector.health() or {}
    assert health.get("influx_ok") is False, f"the collector did not notice the outage: {health}"
    during = collector.counters()
    server.start()
    time.sleep(2)  # samples keep flowing after the restart

    book = account(fleet, server.url, "tele", timeout=60)
    # The collector kept retrying the write (and so kept the messages unacknowledged) during the outage.
    assert during["write_retries_total"] > 0
    print(f"influxdb outage {outage(6, 60):.0f} s: {book.summary()}")


def test_collector_killed_with_sigkill_mid_batch_then_restarted_loses_nothing(mosquitto, influxdb, processes) -> None:
    # A 1 s flush interval keeps a batch open almost all the time, so the kill lands in the middle of one.
    fleet, collector = start_flowing(
        mosquitto, influxdb.url, influxdb.v2_url, influxdb.database, processes, "kill", flush_interval_ms=1000
    )

    def batch_open() -> bool:
        counters = collector.counters()
        return counters["received_total"] > counters["acked_total"]

    wait_for(batch_open, interval=0.01, what="received messages not yet acknowledged")
    collector.kill9()
    time.sleep(outage(1, 10))
    collector.start()
    time.sleep(2)

    book = account(fleet, influxdb.url, influxdb.database)
    assert "session present: True" in collector.log_path.read_text()  # the broker kept the unacked messages
    print(f"collector kill -9: {book.summary()}")


def test_mosquitto_restarted_with_persistence_loses_nothing(mosquitto, influxdb, processes) -> None:
    assert mosquitto.persistence
    fleet, collector = start_flowing(
        mosquitto, influxdb.url, influxdb.v2_url, influxdb.database, processes, "restart", flush_interval_ms=500
    )

    # 1. Messages queued for the (stopped) collector's session must survive a broker restart on disk.
    collector.stop()
    time.sleep(2)
    mosquitto.stop()
    time.sleep(outage(1, 30))
    mosquitto.process.start()
    time.sleep(1)  # agents reconnect before the collector: the broker has no subscriber for them (see below)
    collector.start()
    # 2. A restart while the collector is running with a batch open and agents publishing.
    time.sleep(2)
    mosquitto.stop()
    time.sleep(outage(1, 30))
    mosquitto.process.start()
    wait_for(lambda: (collector.health() or {}).get("mqtt_connected"), what="collector reconnected")
    time.sleep(2)

    book = account(fleet, influxdb.url, influxdb.database)
    # Mosquitto 2.0 does not queue shared-subscription messages for an offline session after a restart; it
    # answers "no matching subscribers" and the agents keep those samples (edge_agent/publisher.py).
    assert "no subscriber took samples" in fleet.log_path.read_text()
    print(f"mosquitto restarted twice: {book.summary()}")


def test_mosquitto_killed_with_sigkill_while_the_collector_runs_loses_nothing(mosquitto, influxdb, processes) -> None:
    """A broker crash (SIGKILL: no final save, no DISCONNECTs) while samples flow. The broker forwards each
    message to the running collector as it PUBACKs it to the agent, so what the crash takes from the broker's
    memory has already reached the collector, which stores it even though its acknowledgement can no longer
    be sent; the agents resend what was in flight. (A crash while the collector is away loses what the broker
    queued since its last autosave: docs/reliability.md.)"""
    assert mosquitto.persistence
    fleet, collector = start_flowing(
        mosquitto, influxdb.url, influxdb.v2_url, influxdb.database, processes, "crash", flush_interval_ms=500
    )
    for _ in range(2):
        mosquitto.kill()
        time.sleep(outage(1, 30))
        mosquitto.process.start()
        wait_for(lambda: (collector.health() or {}).get("mqtt_connected"), what="collector reconnected")
        time.sleep(2)

    book = account(fleet, influxdb.url, influxdb.database)
    print(f"mosquitto kill -9 twice: {book.summary()}")


def test_registry_unreachable_collector_keeps_enriching_from_its_cache(
    mosquitto, influxdb, registry_server, processes
) -> None:
    fleet = processes.fleet(mosquitto.port, GATEWAYS, RATE)
    enterprise = registry_server.create_enterprise()
    use_case = registry_server.create_use_case("agv", enterprise_id=enterprise["id"])
    for gateway in fleet.ids:
        registry_server.create_gateway(gateway, use_case["id"])
    collector = processes.collector(
        mosquitto.port, influxdb.v2_url, influxdb.database, [],  # no cache file: the directory comes from the registry
        registry_url=registry_server.url, registry_token=registry_server.collector_token, directory_refresh_s=1,
    ).start()  # fmt: skip
    wait_for(lambda: (collector.health() or {}).get("directory_gateways") == GATEWAYS, what="directory fetched")
    fleet.start()
    wait_for(lambda: count_points(influxdb.url, influxdb.database) > 30, what="points before the outage")

    registry_server.stop()
    time.sleep(outage(3, 30))
    health = collector.health() or {}
    assert health.get("registry_error"), f"the collector did not notice the registry outage: {health}"
    # A restart during the outage starts from the directory cache file alone.
    collector.kill9()
    collector.start()
    time.sleep(outage(3, 30))
    assert (collector.health() or {}).get("directory_gateways") == GATEWAYS

    book = account(fleet, influxdb.url, influxdb.database)
    # Every point carries the registry's tags, also those enriched while the registry was down.
    name = enterprise["name"].replace("'", "\\'")
    tagged = influxdb.series_values(
        f"SELECT count({FIELD_SEQ}) FROM {MEASUREMENT_KPI} WHERE {TAG_ENTERPRISE} = '{name}' AND {TAG_SCENARIO} = 'agv'"
    )
    assert tagged and tagged[0][1] == book.stored, (tagged, book.stored)
    print(f"registry unreachable: {book.summary()}")
