"""The dashboards against data from the REAL pipeline, nothing written by hand:

registry (the real app on SQLite: the `registry_server` fixture, serving the gateway directory) -> simulated
gateways (`i5g agent simulate`, one per scenario, plus one that stops and goes offline) and one real agent
(`i5g agent run` with the host and simulated sources, so the host panels get real readings of this machine) ->
Mosquitto -> collector (in process, enriching from the registry) -> InfluxDB 1.6.7. A malformed message and one
from an unregistered gateway produce dead letters the same way.

Then every template-variable query and every panel query of every committed dashboard, with variables and
Grafana's macros substituted as Grafana's frontend and backend do (dashboards.verify), runs on that InfluxDB
via /query and must return non-empty series.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from collector.app import Collector
from collector.settings import CollectorSettings
from dashboards import build, verify
from devstack.mosquitto import MosquittoServer
from i5g.contract import (
    FIELD_COUNT,
    FIELD_ONLINE,
    FIELD_SEQ,
    MEASUREMENT_COLLECTOR,
    MEASUREMENT_DEAD_LETTER,
    MEASUREMENT_GATEWAY_STATUS,
    MEASUREMENT_KPI,
    TAG_GATEWAY,
    TAG_REASON,
    TAG_SCENARIO,
    telemetry_topic,
)
from i5g.scenarios import SCENARIOS
from tests.conftest import InfluxHandle
from tests.registry.support import RegistryServer

I5G = str(Path(sys.executable).parent / "i5g")
ENTERPRISES = [("中天钢铁(常州)集团", "常州"), ("亨通.光电", "苏州"), ("徐工 Machinery", "徐州")]
HOST_GATEWAY = "agent-host-1"
OFFLINE_GATEWAY = "sim-offline-1"


def _gateway_id(scenario: str) -> str:
    return f"sim-{scenario.replace('_', '-')}-1"


def _register_fleet(registry: RegistryServer) -> None:
    """An enterprise per city, a use case per scenario, a gateway per use case; every 4th site without
    coordinates (the map must cope)."""
    enterprise_ids = [registry.create_enterprise(name=name, city=city)["id"] for name, city in ENTERPRISES]
    for index, key in enumerate(sorted(SCENARIOS)):
        use_case = registry.create_use_case(scenario=key, enterprise_id=enterprise_ids[index % len(enterprise_ids)])
        coordinates = {} if index % 4 == 3 else {"latitude": 31.0 + index / 10, "longitude": 119.0 + index / 10}
        registry.create_gateway(_gateway_id(key), use_case_id=use_case["id"], **coordinates)
        if index == 0:
            registry.create_gateway(OFFLINE_GATEWAY, use_case_id=use_case["id"], latitude=31.5, longitude=120.1)
            registry.create_gateway(HOST_GATEWAY, use_case_id=use_case["id"])


class Processes:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with open(self.log_dir / f"{name}.log", "ab") as log:
            process = subprocess.Popen([I5G, *args], stdout=log, stderr=log)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    running = Processes(tmp_path)
    yield running
    running.stop_all()


def _credentials(path: Path, gateways: list[tuple[str, str]]) -> Path:
    path.write_text(json.dumps([{"gateway_id": gw, "scenario": scenario} for gw, scenario in gateways]))
    return path


def _agent_config(path: Path, state_dir: Path, port: int) -> Path:
    path.write_text(
        f"""[agent]
gateway_id = "{HOST_GATEWAY}"
state_dir = "{state_dir}"
interval_s = 0.5
status_interval_s = 1.0

[agent.mqtt]
port = {port}

[agent.sources.host]
enabled = true

[agent.sources.simulated]
enabled = true
scenario = "{sorted(SCENARIOS)[0]}"
"""
    )
    return path


def _publish_bad_messages(port: int) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bad-sender", protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        known = _gateway_id(sorted(SCENARIOS)[1])
        client.publish(telemetry_topic(known), b"{not json", qos=1).wait_for_publish(5)
        body = json.dumps({"v": 1, "gw": "nobody-here", "samples": [{"ts": int(time.time() * 1000), "seq": 1,
                                                                    "kpis": {"rtt_ms": 1.0}}]})  # fmt: skip
        client.publish(telemetry_topic("nobody-here"), body.encode(), qos=1).wait_for_publish(5)
    finally:
        client.disconnect()
        client.loop_stop()


def _ready(influxdb: InfluxHandle) -> dict[str, Any]:
    """What the dashboards need before they can all show something, as far as it has arrived."""
    scenarios = {
        row[1]
        for row in influxdb.series_values(f'SHOW TAG VALUES FROM "{MEASUREMENT_KPI}" WITH KEY = "{TAG_SCENARIO}"')
    }
    status = influxdb.query(
        f'SELECT last("{FIELD_ONLINE}") FROM "{MEASUREMENT_GATEWAY_STATUS}" GROUP BY "{TAG_GATEWAY}"'
    )["results"][0]
    online = {s["tags"]["gateway"]: s["values"][0][1] for s in status.get("series", [])}
    return {
        "scenarios": scenarios >= set(SCENARIOS),
        "offline": online.get(OFFLINE_GATEWAY) is False,
        "online": online.get(_gateway_id(sorted(SCENARIOS)[0])) is True,
        "host": bool(
            influxdb.series_values(
                f'SELECT count("cpu_pct") FROM "{MEASUREMENT_KPI}" WHERE {TAG_GATEWAY} = \'{HOST_GATEWAY}\''
            )
        ),
        "dead_letters": len(
            influxdb.series_values(
                f'SELECT sum("{FIELD_COUNT}") FROM "{MEASUREMENT_DEAD_LETTER}" GROUP BY "{TAG_REASON}"'
            )
        )
        >= 2,
        "collector": len(influxdb.series_values(f'SELECT "written" FROM "{MEASUREMENT_COLLECTOR}"')) >= 3,
        "samples": sum(
            r[1]
            for r in influxdb.series_values(
                f'SELECT count("{FIELD_SEQ}") FROM "{MEASUREMENT_KPI}" GROUP BY "{TAG_GATEWAY}"'
            )
        )
        >= 20 * len(SCENARIOS),
    }


def test_pipeline_fills_every_dashboard(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    influxdb: InfluxHandle,
    registry_server: RegistryServer,
    processes: Processes,
) -> None:
    registry = registry_server
    started_ms = int(time.time() * 1000)
    _register_fleet(registry)
    settings = CollectorSettings(
        replica="dash",
        state_dir=tmp_path / "collector",
        mqtt_port=mosquitto.port,
        influx_url=influxdb.v2_url,
        influx_bucket=influxdb.database,
        registry_url=registry.url,
        registry_token=registry.collector_token,
        metrics_port=0,
        flush_interval_ms=50,
        metrics_interval_s=0.5,
        status_push_interval_s=0.5,
        directory_forced_refresh_min_s=0.5,
    )
    collector = Collector(settings).start()
    try:
        assert collector.intake.wait_connected(10), "collector did not connect to the broker"
        broker = f"127.0.0.1:{mosquitto.port}"
        simulate = ["agent", "simulate", "--broker", broker, "--rate", "5", "--log-level", "WARNING"]
        fleet = _credentials(tmp_path / "fleet.json", [(_gateway_id(key), key) for key in sorted(SCENARIOS)])
        processes.start("fleet", *simulate, "--credentials", str(fleet), "--state-dir", str(tmp_path / "fleet"),
                        "--degradation-rate", "0.1")  # fmt: skip
        short = _credentials(tmp_path / "short.json", [(OFFLINE_GATEWAY, sorted(SCENARIOS)[0])])
        processes.start("short", *simulate, "--credentials", str(short), "--state-dir", str(tmp_path / "short"),
                        "--duration", "2")  # fmt: skip
        config = _agent_config(tmp_path / "agent.toml", tmp_path / "agent", mosquitto.port)
        processes.start("agent", "agent", "run", "--config", str(config))
        _publish_bad_messages(mosquitto.port)

        deadline = time.monotonic() + 60
        while not all((state := _ready(influxdb)).values()):
            if time.monotonic() > deadline:
                logs = {p.name: p.read_text(errors="replace")[-1500:] for p in tmp_path.glob("*.log")}
                pytest.fail(f"pipeline did not deliver in 60 s: {state}\n{logs}")
            time.sleep(0.5)

        now_ms = int(time.time() * 1000)
        time_range = verify.TimeRange(started_ms - 60_000, now_ms + 60_000)
        failures, total = [], 0
        for select in (verify.select_all, verify.select_first):
            for name, board in build.load_committed():
                for outcome in verify.run_dashboard(board, influxdb.query, time_range, select):
                    total += 1
                    if not outcome.ok:
                        failures.append(f"{name} / {outcome.panel}: {outcome.error or 'empty'}\n    {outcome.query}")
        assert total > 400
        assert failures == [], "\n".join(failures)
    finally:
        processes.stop_all()
        collector.stop(drain_timeout_s=1)
