"""Helpers for the broker-security tests: a real Mosquitto with dynamic security (fixture `secure_mosquitto`
from tests/conftest.py), an admin DynsecClient on it, and a small recording MQTT peer."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from devstack.mosquitto import MosquittoServer
from registry.broker.dynsec import DynsecClient
from registry.broker.settings import BrokerSettings

TIMEOUT = 5.0


def wait_for(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class Peer:
    """One MQTT v5 client that records what happens to it."""

    def __init__(self, port: int, username: str | None, password: str | None, client_id: str, **tls: Any) -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        if username is not None:
            self.client.username_pw_set(username, password)
        if tls:
            self.client.tls_set(**tls)
        self.port = port
        self.connack: mqtt.ReasonCode | None = None
        self.disconnects: list[str] = []
        self.messages: list[tuple[str, bytes]] = []
        self.subacks: dict[int, list[mqtt.ReasonCode]] = {}
        self.pubacks: dict[int, mqtt.ReasonCode] = {}
        self.lock = threading.Lock()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda c, u, f, rc, p: self.disconnects.append(str(rc))
        self.client.on_message = lambda c, u, m: self.messages.append((m.topic, m.payload))
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.subacks.__setitem__(mid, list(rcs))
        self.client.on_publish = lambda c, u, mid, rc, p: self.pubacks.__setitem__(mid, rc)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, rc: mqtt.ReasonCode, props: Any) -> None:
        self.connack = rc

    def start(self) -> Peer:
        self.client.connect("127.0.0.1", self.port, keepalive=10)
        self.client.loop_start()
        assert wait_for(lambda: self.connack is not None or bool(self.disconnects)), "no CONNACK"
        return self

    @property
    def connected(self) -> bool:
        return self.connack is not None and not self.connack.is_failure and not self.disconnects

    def subscribe(self, topic: str) -> list[mqtt.ReasonCode]:
        _, mid = self.client.subscribe(topic, qos=1)
        assert wait_for(lambda: mid in self.subacks), f"no SUBACK for {topic}"
        return self.subacks[mid]

    def publish(self, topic: str, payload: bytes) -> mqtt.ReasonCode:
        info = self.client.publish(topic, payload, qos=1)
        assert wait_for(lambda: info.mid in self.pubacks), f"no PUBACK for {topic}"
        return self.pubacks[info.mid]

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def peers() -> Iterator[Callable[..., Peer]]:
    started: list[Peer] = []

    def make(port: int, username: str | None, password: str | None, client_id: str, **tls: Any) -> Peer:
        peer = Peer(port, username, password, client_id, **tls).start()
        started.append(peer)
        return peer

    yield make
    for peer in started:
        peer.stop()


@pytest.fixture
def broker_settings(secure_mosquitto: MosquittoServer) -> BrokerSettings:
    assert secure_mosquitto.admin is not None
    return BrokerSettings(
        admin_url=f"mqtt://127.0.0.1:{secure_mosquitto.port}",
        admin_username=secure_mosquitto.admin.username,
        admin_password=secure_mosquitto.admin.password,
        timeout_s=5,
    )


@pytest.fixture
def dynsec(broker_settings: BrokerSettings) -> Iterator[DynsecClient]:
    with DynsecClient.from_settings(broker_settings) as client:
        yield client


@pytest.fixture
def broker_env(registry_server, secure_mosquitto: MosquittoServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The real registry (uvicorn thread here) driving the dynamic-security broker: the admin settings as
    environment variables, which the registry's hooks read at each change. Returns the environment of a CLI
    process (`i5g broker ...`) that reaches the same broker and the registry's database."""
    assert secure_mosquitto.admin is not None
    env = {
        "I5G_BROKER_ADMIN_URL": secure_mosquitto.url,
        "I5G_BROKER_ADMIN_USERNAME": secure_mosquitto.admin.username,
        "I5G_BROKER_ADMIN_PASSWORD": secure_mosquitto.admin.password,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **env, "I5G_DATABASE_URL": registry_server.database_url}


# The web login/session tests' fixtures (real registry app on a fresh database, clients at chosen addresses).
from tests.security.auth_support import (  # noqa: E402, F401
    auth_databases,
    auth_registry,
    browser_at,
    make_registry,
)
