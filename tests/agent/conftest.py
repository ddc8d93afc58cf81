"""Helpers for agent tests: config files, the agent as a real subprocess, and an MQTT subscriber."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from i5g import contract

I5G = str(Path(sys.executable).parent / "i5g")


def write_config(path: Path, gateway_id: str, port: int, state_dir: Path, extra: str = "", **agent: Any) -> Path:
    """A TOML config with the simulated source and a short interval; `extra` appends more tables."""
    top = {"interval_s": 0.05, "status_interval_s": 0.2, **agent}
    lines = ["[agent]", f'gateway_id = "{gateway_id}"', f'state_dir = "{state_dir}"']
    lines += [f"{key} = {json.dumps(value)}" for key, value in top.items()]
    lines += ["", "[agent.mqtt]", f"port = {port}", "reconnect_min_s = 0.05", "reconnect_max_s = 0.3"]
    lines += ["", "[agent.sources.simulated]", "enabled = true", 'scenario = "agv"', ""]
    path.write_text("\n".join(lines) + extra)
    return path


class AgentProcess:
    """`i5g agent run --config ...` as a subprocess (it execs the lean runtime: same PID)."""

    def __init__(self, config: Path, log_path: Path) -> None:
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen([I5G, "agent", "run", "--config", str(config)], stdout=log, stderr=log)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def agent_processes() -> Iterator[Callable[[Path, Path], AgentProcess]]:
    started: list[AgentProcess] = []

    def start(config: Path, log_path: Path) -> AgentProcess:
        process = AgentProcess(config, log_path)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


class Subscriber:
    """Collects every message on i5g/v1/# with a persistent session, so a broker restart loses nothing."""

    def __init__(self, port: int, client_id: str = "test-sub", auth: tuple[str, str] | None = None) -> None:
        self.messages: list[tuple[str, dict[str, Any], bool]] = []
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        if auth:
            self.client.username_pw_set(*auth)
        self.client.on_connect = lambda c, *_: c.subscribe(f"{contract.TOPIC_ROOT}/#", qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.05, 0.3)
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600
        self.client.connect("127.0.0.1", port, clean_start=False, properties=properties)
        self.client.loop_start()
        if not self.subscribed.wait(10):
            raise AssertionError(f"subscriber could not subscribe on port {port}")

    def _on_message(self, _client: Any, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.messages.append((message.topic, json.loads(message.payload), bool(message.retain)))

    def telemetry(self, gateway_id: str) -> list[dict[str, Any]]:
        with self.lock:
            topic = contract.telemetry_topic(gateway_id)
            return [payload for t, payload, _ in self.messages if t == topic]

    def seqs(self, gateway_id: str) -> list[int]:
        return [sample["seq"] for payload in self.telemetry(gateway_id) for sample in payload["samples"]]

    def statuses(self, gateway_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [payload for t, payload, _ in self.messages if t == contract.status_topic(gateway_id)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}; got {len(self.messages)} messages")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def subscribers() -> Iterator[Callable[..., Subscriber]]:
    made: list[Subscriber] = []

    def make(port: int, client_id: str = "test-sub", auth: tuple[str, str] | None = None) -> Subscriber:
        subscriber = Subscriber(port, client_id, auth)
        made.append(subscriber)
        return subscriber

    yield make
    for subscriber in made:
        subscriber.close()


def first_occurrences(seqs: list[int]) -> list[int]:
    """seqs in arrival order without redeliveries (QoS 1 is at least once)."""
    seen: set[int] = set()
    result = []
    for seq in seqs:
        if seq not in seen:
            seen.add(seq)
            result.append(seq)
    return result
