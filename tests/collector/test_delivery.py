"""At-least-once on real servers: InfluxDB outage, kill -9 of the collector, two replicas sharing the load."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from devstack.influxdb import InfluxDBServer
from devstack.process import free_port
from i5g.contract import FIELD_DETAIL, MEASUREMENT_DEAD_LETTER, TAG_REASON
from tests.collector.conftest import (
    Publisher,
    collector_env,
    count_points,
    settings_for,
    wait_for,
    write_directory_cache,
)

I5G = str(Path(sys.executable).with_name("i5g"))


class Stream(threading.Thread):
    """Publishes `count` single-sample messages at about `rate` per second in the background."""

    def __init__(self, publisher: Publisher, gateways: list[str], count: int, rate: float) -> None:
        super().__init__(daemon=True)
        self.publisher, self.gateways, self.count, self.rate = publisher, gateways, count, rate
        self.infos: list = []

    def run(self) -> None:
        start = time.monotonic()
        for index in range(self.count):
            gateway = self.gateways[index % len(self.gateways)]
            self.infos += self.publisher.publish_samples(gateway, 1)
            delay = start + (index + 1) / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def finish(self) -> None:
        self.join(60)
        self.publisher.wait_all(self.infos)


def _rows(server: InfluxDBServer):
    def query(q: str) -> list[list]:
        result = server.query(q, db="tele")["results"][0]
        return [row for series in result.get("series", []) for row in series["values"]]

    return query


def test_influxdb_stopped_and_restarted_mid_stream_loses_nothing(mosquitto, own_influx, tmp_path, start_collector):
    server, proxy = own_influx
    write_directory_cache(tmp_path / "state")
    receive_maximum = 40
    collector = start_collector(
        settings_for(mosquitto, proxy.url, "tele", tmp_path / "state", receive_maximum=receive_maximum)
    )
    stream = Stream(Publisher(mosquitto.port), ["gw-agv-1", "gw-vision-2"], 600, rate=300)
    stream.start()
    wait_for(lambda: count_points(_rows(server)) > 50, what="first points")
    server.stop()
    time.sleep(1.5)  # a batch stored just before the stop may still be acknowledged meanwhile
    settled = collector.metrics.snapshot()
    time.sleep(1.5)
    during = collector.metrics.snapshot()
    # Nothing more was acknowledged while InfluxDB was down, and the broker held back everything beyond the
    # receive maximum.
    assert during["write_retries"] > settled["write_retries"] > 0
    assert during["acked"] == settled["acked"]
    # Distinct messages in flight: a redelivery (DUP, after a reconnect on a starved machine) is one counted twice.
    assert during["received"] - during["redelivered"] - during["acked"] <= receive_maximum, during
    health = collector.health()
    assert health["status"] == "degraded" and not health["influx_ok"] and health["influx_error"]
    server.start()
    stream.finish()
    wait_for(lambda: count_points(_rows(server)) == 600, timeout=30, what="all 600 points after the outage")
    wait_for(lambda: collector.metrics.snapshot()["acked"] >= 600, what="all acked")
    assert count_points(_rows(server)) == 600


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return json.loads(response.read())["status"] == "ok"
    except OSError:
        return False


def _spawn(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([I5G, "collector", "run"], env={**os.environ, **env}, stdout=out, stderr=out)


def test_collector_killed_with_sigkill_and_restarted_loses_nothing(mosquitto, influxdb, tmp_path):
    write_directory_cache(tmp_path / "state")
    metrics_port = free_port()
    env = collector_env(
        mosquitto.port, influxdb.v2_url, influxdb.database, tmp_path / "state", metrics_port=metrics_port
    )
    log = tmp_path / "collector.log"
    process = _spawn(env, log)
    try:
        wait_for(lambda: _healthy(metrics_port), what=f"collector healthy; log:\n{log}")
        stream = Stream(Publisher(mosquitto.port), ["gw-agv-1", "gw-vision-2"], 1500, rate=1000)
        stream.start()
        wait_for(lambda: count_points(influxdb.series_values) > 200, what="first points")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        written_at_kill = count_points(influxdb.series_values)
        assert written_at_kill < 1500, "the kill must happen mid-stream to mean anything"
        time.sleep(0.5)
        process = _spawn(env, log)  # same replica name -> same client id -> the broker resumes the session
        stream.finish()
        wait_for(lambda: count_points(influxdb.series_values) == 1500, timeout=30, what="1500 points after restart")
        time.sleep(0.3)
        assert count_points(influxdb.series_values) == 1500
    finally:
        process.terminate()
        process.wait(10)
    assert "session present: True" in log.read_text()


def test_two_replicas_on_one_shared_subscription_split_the_load(mosquitto, influxdb, tmp_path, start_collector):
    collectors = []
    for replica in ("r1", "r2"):
        write_directory_cache(tmp_path / replica)
        settings = settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / replica, replica=replica)
        collectors.append(start_collector(settings))
    stream = Stream(Publisher(mosquitto.port), ["gw-agv-1", "gw-vision-2"], 1000, rate=2000)
    stream.start()
    stream.finish()
    wait_for(lambda: count_points(influxdb.series_values) == 1000, what="1000 points from two replicas")
    wait_for(lambda: sum(c.metrics.snapshot()["acked"] for c in collectors) >= 1000, what="all acked")
    received = [c.metrics.snapshot()["received"] for c in collectors]
    assert sum(received) == 1000, received  # each message went to exactly one replica
    assert min(received) > 200, f"the load was not shared: {received}"


def test_sparkplug_node_survives_a_sigkill_of_the_collector_without_loss(mosquitto, influxdb, tmp_path):
    """Issue 15: the same at-least-once for Sparkplug B data. The NBIRTH's aliases outlive the crash (the
    session file), so the NDATA the broker redelivers resolve and nothing is dead-lettered."""
    from collector.sparkplug_proto import sparkplug_b_pb2 as pb
    from tests.collector.sparkplug_node import EdgeNode, M
    from tests.collector.test_sparkplug import BIRTH, GROUP, declared

    write_directory_cache(tmp_path / "state", [declared("sp-kill", "Edge Node K")])
    metrics_port = free_port()
    env = collector_env(
        mosquitto.port, influxdb.v2_url, influxdb.database, tmp_path / "state", metrics_port=metrics_port
    )
    log = tmp_path / "collector.log"
    process = _spawn(env, log)
    node = EdgeNode(mosquitto.port, GROUP, "Edge Node K")
    total, t0 = 1000, int(time.time() * 1000) - 60_000
    rsrp = "WHERE rsrp_dbm < 0"

    def stream() -> None:
        for index in range(total):
            node.data([M("", pb.Int32, -60 - index % 50, alias=1)], ts=t0 + 1 + index)
            time.sleep(0.001)

    try:
        wait_for(lambda: _healthy(metrics_port), what=f"collector healthy; log:\n{log}")
        node.birth(BIRTH, ts=t0).wait_for_publish(5)
        sender = threading.Thread(target=stream, daemon=True)
        sender.start()
        wait_for(lambda: count_points(influxdb.series_values, where=rsrp) > 100, what="first Sparkplug points")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        assert count_points(influxdb.series_values, where=rsrp) < total + 1, "the kill must happen mid-stream"
        process = _spawn(env, log)
        sender.join(60)
        expected = total + 1  # the NBIRTH's own value, then every NDATA
        wait_for(lambda: count_points(influxdb.series_values, where=rsrp) == expected, timeout=30, what="all points")
        time.sleep(0.3)
        assert count_points(influxdb.series_values, where=rsrp) == expected
        assert influxdb.series_values(f"SELECT {TAG_REASON}, {FIELD_DETAIL} FROM {MEASUREMENT_DEAD_LETTER}") == []
    finally:
        node.close()
        process.terminate()
        process.wait(10)
