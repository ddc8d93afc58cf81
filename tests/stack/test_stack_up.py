"""`i5g stack up|status|down` end to end: real processes on free ports in a temp state folder.

One long test walks the life of a stack (up, up again, status, down, up on the kept state, Ctrl-C), because
each start costs seconds; the small tests check what fails before anything starts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from devstack.fleet import gateway_id_for
from devstack.influxdb import query
from devstack.process import free_port, port_is_open
from devstack.settings import StackSettings
from devstack.stack import SUPERVISOR, influx_auth
from devstack.state import StackState
from i5g.contract import DATABASE_DEFAULT, FIELD_SEQ, MEASUREMENT_KPI, TAG_GATEWAY
from i5g.settings import SettingsError
from tests.security.conftest import wait_for

READY_LINE = "The stack is up"


def i5g(*args: str) -> list[str]:
    return [sys.executable, "-m", "i5g.cli", *args]


@pytest.fixture
def stack_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("I5G_")}
    env.update(
        I5G_STACK_STATE_DIR=str(tmp_path / "stack"),
        I5G_STACK_MQTT_PORT=str(free_port()),
        I5G_STACK_MQTT_TLS_PORT=str(free_port()),
        I5G_STACK_INFLUX_PORT=str(free_port()),
        I5G_STACK_INFLUX_V2_PORT=str(free_port()),
        I5G_STACK_REGISTRY_PORT=str(free_port()),
        I5G_STACK_COLLECTOR_METRICS_PORT=str(free_port()),
        I5G_STACK_MAX_GATEWAYS="4",
        I5G_STACK_RATE_HZ="4",
        I5G_STACK_START_TIMEOUT_S="60",
        I5G_STACK_ROLLUP_SETTLE_S="5",  # the evidence rollup job rolls each minute soon after it ends
        I5G_STACK_ROLLUP_INTERVAL_S="2",
    )
    return env


class UpProcess:
    """`i5g stack up` in the foreground, as a user runs it; a thread collects its output line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            i5g("stack", "up"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_line(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and text not in self.output and self.proc.poll() is None:
            time.sleep(0.1)
        assert text in self.output, f"no {text!r} from `i5g stack up`:\n{self.output}"

    def finish(self, timeout: float = 60) -> int:
        self.proc.wait(timeout)
        self.reader.join(10)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def up_processes(stack_env: dict[str, str]) -> Iterator[list[UpProcess]]:
    started: list[UpProcess] = []
    yield started
    # Whatever happened, leave nothing running.
    subprocess.run(i5g("stack", "down"), env=stack_env, capture_output=True, timeout=90, check=False)
    for process in started:
        process.kill()


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(i5g(*args), env=env, capture_output=True, text=True, timeout=120, check=False)


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def samples_by_gateway(env: dict[str, str], since_ms: int = 0) -> dict[str, int]:
    url = f"http://127.0.0.1:{env['I5G_STACK_INFLUX_PORT']}"
    reader = influx_auth(StackState(Path(env["I5G_STACK_STATE_DIR"])).secrets()).reader  # InfluxDB runs with auth
    q = f"SELECT count({FIELD_SEQ}) FROM {MEASUREMENT_KPI} WHERE time >= {since_ms}ms GROUP BY {TAG_GATEWAY}"
    result = query(url, q, DATABASE_DEFAULT, credentials=reader)
    series = result["results"][0].get("series", [])
    return {item["tags"]["gateway"]: item["values"][0][1] for item in series}


def connack_of(client: mqtt.Client, port: int) -> mqtt.ReasonCode:
    """Connect, wait for the broker's CONNACK, disconnect; the CONNACK's reason code."""
    codes: list[mqtt.ReasonCode] = []
    client.on_connect = lambda c, u, f, rc, p: codes.append(rc)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        assert wait_for(lambda: bool(codes), 5), "no CONNACK"
    finally:
        client.disconnect()
        client.loop_stop()
    return codes[0]


def stack_ports(env: dict[str, str]) -> list[int]:
    return [int(value) for key, value in env.items() if key.startswith("I5G_STACK_") and key.endswith("_PORT")]


def test_stack_lifecycle(stack_env: dict[str, str], up_processes: list[UpProcess]) -> None:
    state = Path(stack_env["I5G_STACK_STATE_DIR"])
    registry = f"http://127.0.0.1:{stack_env['I5G_STACK_REGISTRY_PORT']}"

    first = UpProcess(stack_env)
    up_processes.append(first)
    first.wait_for_line(READY_LINE)
    output = first.output
    for part in ("broker", "InfluxDB", "registry", "collector", "rollup", "fleet", "data"):
        assert f"  {part}" in output, output

    # The registry serves the seeded use cases and the demo gateways attached to them.
    assert get_json(f"{registry}/api/v1/usecases?review_status=approved")["total"] >= 4
    credentials = json.loads((state / "fleet-credentials.json").read_text())
    assert len(credentials) == 4
    assert len({entry["password"] for entry in credentials}) == 4  # one identity per gateway
    for entry in credentials:
        assert get_json(f"{registry}/api/v1/gateways/{entry['gateway_id']}")["enabled"] is True

    # Every simulated gateway's data reaches InfluxDB through the broker and the collector.
    # A "silent" demo gateway is connected and online but takes no readings (the evidence's "no data" case).
    gateway_ids = {entry["gateway_id"] for entry in credentials if entry["behaviour"] != "silent"}
    assert len(gateway_ids) == len(credentials) - 1
    assert wait_for(lambda: gateway_ids <= set(samples_by_gateway(stack_env)), 30), samples_by_gateway(stack_env)

    # No anonymous access to the stack's broker.
    anonymous = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="anon", protocol=mqtt.MQTTv5)
    assert connack_of(anonymous, int(stack_env["I5G_STACK_MQTT_PORT"])).is_failure

    # The optional TLS listener, trusted through the stack's private CA (the collector's identity logs in).
    secrets = json.loads((state / "secrets.json").read_text())
    over_tls = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="tls-probe", protocol=mqtt.MQTTv5)
    over_tls.tls_set(ca_certs=str(state / "tls" / "ca.crt"), cert_reqs=ssl.CERT_REQUIRED)
    over_tls.username_pw_set(secrets["collector_mqtt_username"], secrets["collector_mqtt_password"])
    assert not connack_of(over_tls, int(stack_env["I5G_STACK_MQTT_TLS_PORT"])).is_failure

    status = run(stack_env, "stack", "status")
    assert status.returncode == 0, status.stdout
    assert ": running" in status.stdout and "fleet            running" in status.stdout
    assert "rollup           running" in status.stdout

    # A part that dies is started again by the supervisor (the others keep running), with a fresh log.
    parts = StackState(state)
    collector_pid = parts.live_pid("collector")
    assert collector_pid is not None
    os.kill(collector_pid, signal.SIGKILL)
    first.wait_for_line("collector stopped unexpectedly; starting it again")
    assert wait_for(lambda: parts.live_pid("collector") not in (None, collector_pid), 60), first.output
    assert (state / "logs" / "collector.log.1").exists()
    assert first.proc.poll() is None

    # The fleet alone: stopped on purpose it stays stopped (not restarted, the stack still "running").
    stop = run(stack_env, "stack", "fleet", "stop")
    assert stop.returncode == 0 and "fleet stopped" in stop.stdout, stop.stdout + stop.stderr
    time.sleep(2.5)  # longer than the supervisor's first backoff step
    held = run(stack_env, "stack", "status")
    assert held.returncode == 0 and "fleet            held" in held.stdout, held.stdout
    start = run(stack_env, "stack", "fleet", "start")
    assert start.returncode == 0 and "fleet started" in start.stdout, start.stdout + start.stderr
    assert "fleet            running" in run(stack_env, "stack", "status").stdout
    time.sleep(2.5)  # the supervisor adopts the fleet started by the other command: no second one
    assert "fleet stopped unexpectedly" not in first.output, first.output

    # The evidence rollup job runs as a part, with its own account (no admin): its checkpoint appears once the
    # first whole minute of samples has settled, in the long retention policy the stack created.
    def checkpoint() -> list:
        answer = query(url_influx, 'SELECT * FROM "i5g_rollup"."rollup_state"', DATABASE_DEFAULT, credentials=reader)
        return answer["results"][0].get("series", [])

    url_influx, reader = f"http://127.0.0.1:{stack_env['I5G_STACK_INFLUX_PORT']}", influx_auth(secrets).reader
    assert wait_for(checkpoint, 90), (state / "logs" / "rollup.log").read_text()
    assert "failed" not in (state / "logs" / "rollup.log").read_text()

    # `up` twice is safe: it reports the running stack and starts nothing.
    pids_before = sorted((state / "run").glob("*.pid"))
    again = run(stack_env, "stack", "up")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already running" in again.stdout
    assert sorted((state / "run").glob("*.pid")) == pids_before and first.proc.poll() is None

    down = run(stack_env, "stack", "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert first.finish() == 0
    assert "stopping mosquitto" in first.output
    assert run(stack_env, "stack", "status").returncode == 1
    assert not any(port_is_open(port) for port in stack_ports(stack_env))
    assert not list((state / "run").glob("*.pid"))

    # Up again on the kept state: same gateways, same credentials, new data; then Ctrl-C stops everything.
    restart_ms = int(time.time() * 1000)
    second = UpProcess(stack_env)
    up_processes.append(second)
    second.wait_for_line(READY_LINE)
    assert json.loads((state / "fleet-credentials.json").read_text()) == credentials
    assert wait_for(lambda: gateway_ids <= set(samples_by_gateway(stack_env, restart_ms)), 30)
    second.proc.send_signal(signal.SIGINT)
    assert second.finish() == 0
    assert "stopping mosquitto" in second.output
    assert not any(port_is_open(port) for port in stack_ports(stack_env))
    assert run(stack_env, "stack", "status").returncode == 1


def test_port_taken_is_reported_before_anything_starts(stack_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run({**stack_env, "I5G_STACK_REGISTRY_PORT": str(port)}, "stack", "up")
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use, so registry cannot start" in result.stderr
    assert "I5G_STACK_REGISTRY_PORT" in result.stderr
    assert not (Path(stack_env["I5G_STACK_STATE_DIR"]) / "run").exists()


def test_down_and_status_without_a_stack(stack_env: dict[str, str]) -> None:
    assert "nothing running" in run(stack_env, "stack", "down").stdout
    assert run(stack_env, "stack", "status").returncode == 1


def test_settings_refuse_shared_ports() -> None:
    with pytest.raises(SettingsError, match="cannot share port 18086"):
        StackSettings.load(influx_v2_port=18086)


def test_demo_gateway_ids_are_valid_slugs() -> None:
    assert gateway_id_for(7, "vr_experience") == "demo-uc7-vr-experience"
    assert gateway_id_for(12, "agv") == "demo-uc12-agv"


def test_detached_stack_keeps_running_until_down(stack_env: dict[str, str], up_processes: list[UpProcess]) -> None:
    """`up --detach` returns once healthy, with every part still serving after the command has exited;
    `down` from another command stops them all (no supervisor process in between)."""
    state = Path(stack_env["I5G_STACK_STATE_DIR"])
    up = subprocess.run(i5g("stack", "up", "--detach"), env=stack_env, capture_output=True, text=True, timeout=180)
    assert up.returncode == 0, up.stdout + up.stderr
    assert READY_LINE in up.stdout
    assert not (state / "run" / f"{SUPERVISOR}.pid").exists()  # nothing waits in the foreground

    credentials = json.loads((state / "fleet-credentials.json").read_text())
    # A "silent" demo gateway is connected and online but takes no readings (the evidence's "no data" case).
    gateway_ids = {entry["gateway_id"] for entry in credentials if entry["behaviour"] != "silent"}
    assert len(gateway_ids) == len(credentials) - 1
    since_ms = int(time.time() * 1000)  # data produced after `up` returned: the parts outlived it
    assert wait_for(lambda: gateway_ids <= set(samples_by_gateway(stack_env, since_ms)), 30)
    status = run(stack_env, "stack", "status")
    assert status.returncode == 0 and "fleet            running" in status.stdout, status.stdout

    # A part died (kill -9): `up --detach` starts it and only it.
    parts = StackState(state)
    collector_pid, registry_pid = parts.live_pid("collector"), parts.live_pid("registry")
    assert collector_pid is not None and registry_pid is not None
    os.kill(collector_pid, signal.SIGKILL)
    assert wait_for(lambda: parts.live_pid("collector") is None, 10)
    assert run(stack_env, "stack", "status").returncode == 1
    again = subprocess.run(i5g("stack", "up", "--detach"), env=stack_env, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0 and "starting the missing parts" in again.stdout, again.stdout + again.stderr
    assert parts.live_pid("registry") == registry_pid
    assert run(stack_env, "stack", "status").returncode == 0

    down = run(stack_env, "stack", "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert run(stack_env, "stack", "status").returncode == 1
    assert not any(port_is_open(port) for port in stack_ports(stack_env))
    assert not list((state / "run").glob("*.pid"))
