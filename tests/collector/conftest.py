"""Helpers for the collector tests: settings pointing at the test servers, a publisher, waiting for points.

Until a test needs the live registry (test_enrich_registry.py), the gateway directory is seeded as the
collector's own cache file and the registry URL points at a closed port: that is the real "registry down,
serve the last good directory" path, not a stand-in registry.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from collector.app import Collector
from collector.settings import CollectorSettings
from devstack.process import free_port
from i5g.contract import FIELD_SEQ, MEASUREMENT_KPI, encode_telemetry, telemetry_topic

GATEWAYS = [
    {
        "id": "gw-agv-1",
        "enabled": True,
        "use_case_id": 11,
        "use_case": "AGV 调度",
        "scenario": "agv",
        "enterprise": "Acme Motors, Ltd",
        "city": "宁波",
        "industry": "automotive",
        "latitude": 29.87,
        "longitude": 121.54,
    },
    {
        "id": "gw-vision-2",
        "enabled": True,
        "use_case_id": 12,
        "use_case": "视觉质检",
        "scenario": "machine_vision",
        "enterprise": "Beta Steel",
        "city": "杭州",
        "industry": "steel",
    },
    {
        "id": "gw-off-3",
        "enabled": False,
        "use_case_id": 13,
        "use_case": "x",
        "scenario": "agv",
        "enterprise": "Gamma",
        "city": "宁波",
        "industry": "chemicals",
    },
]


def write_directory_cache(state_dir: Path, gateways: list[dict[str, Any]] = GATEWAYS) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    document = {"gateways": gateways, "generated_at": "2026-01-01T00:00:00Z"}
    (state_dir / "directory.json").write_text(json.dumps(document, ensure_ascii=False), "utf-8")


def collector_env(
    mqtt_port: int, influx_url: str, bucket: str, state_dir: Path, replica: str = "t1", **extra: Any
) -> dict[str, str]:
    """I5G_COLLECTOR_* variables for a subprocess (and, through CollectorSettings(**), for in-process use)."""
    values = {
        "replica": replica,
        "state_dir": str(state_dir),
        "mqtt_port": mqtt_port,
        "influx_url": influx_url,
        "influx_bucket": bucket,
        "registry_url": f"http://127.0.0.1:{free_port()}",  # closed port unless a test passes the real one
        "registry_timeout_s": 0.5,
        "metrics_port": 0,
        "flush_interval_ms": 50,
        "retry_initial_ms": 50,
        "retry_max_ms": 500,
        "metrics_interval_s": 1.0,
        "status_push_interval_s": 0.5,
        "directory_forced_refresh_min_s": 60.0,
        **extra,
    }
    return {f"I5G_COLLECTOR_{key.upper()}": str(value) for key, value in values.items()}


def settings_for(mosquitto, influx_url: str, bucket: str, state_dir: Path, **extra: Any) -> CollectorSettings:
    env = collector_env(mosquitto.port, influx_url, bucket, state_dir, **extra)
    return CollectorSettings(**{key.removeprefix("I5G_COLLECTOR_").lower(): value for key, value in env.items()})


@pytest.fixture
def start_collector() -> Iterator[Callable[[CollectorSettings], Collector]]:
    started: list[Collector] = []

    def start(settings: CollectorSettings) -> Collector:
        collector = Collector(settings).start()
        started.append(collector)
        assert collector.intake.wait_connected(10), "collector did not connect to the broker"
        return collector

    yield start
    for collector in started:
        collector.stop(drain_timeout_s=1)


class Publisher:
    """A plain paho QoS 1 publisher (the agent is not needed to produce contract payloads)."""

    def __init__(self, port: int, client_id: str = "test-publisher") -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.seq = 0

    def publish_raw(self, topic: str, payload: bytes, retain: bool = False) -> mqtt.MQTTMessageInfo:
        return self.client.publish(topic, payload, qos=1, retain=retain)

    def publish_samples(self, gateway: str, count: int, start_ts: int | None = None, per_message: int = 1) -> list:
        """`count` messages of `per_message` samples each, ts 1 ms apart; returns the message infos."""
        base = start_ts if start_ts is not None else int(time.time() * 1000) - 60_000
        infos = []
        for _ in range(count):
            samples = []
            for _ in range(per_message):
                self.seq += 1
                kpis = {"rtt_ms": 5.0 + self.seq % 30, "loss_pct": 0.1, "pci": 101, "ul_mbps": 50}
                samples.append({"ts": base + self.seq, "seq": self.seq, "kpis": kpis, "ctx": {"rat": "NR5G-SA"}})
            infos.append(self.publish_raw(telemetry_topic(gateway), encode_telemetry(gateway, samples)))
        return infos

    def wait_all(self, infos: list, timeout: float = 20) -> None:
        for info in infos:
            info.wait_for_publish(timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(mosquitto) -> Iterator[Publisher]:
    pub = Publisher(mosquitto.port)
    yield pub
    pub.close()


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}; last value {last!r}")


def count_points(
    query_fn: Callable[[str], list[list]], measurement: str = MEASUREMENT_KPI, field: str = FIELD_SEQ, where: str = ""
) -> int:
    rows = query_fn(f"SELECT count({field}) FROM {measurement} {where}")
    return int(rows[0][1]) if rows else 0
