"""Registering a gateway on the page provisions its identity on a real Mosquitto (dynamic security): the
one-time password shown on the page lets the gateway connect; a broker outage stores nothing."""

from __future__ import annotations

import html
import os
import subprocess
import threading
import time
import tomllib
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from devstack.mosquitto import MosquittoServer
from i5g.contract import broker_username
from registry.gateways.agent_config import PASSWORD_PATH
from registry.gateways.models import Gateway
from tests.agent.conftest import I5G
from tests.web.conftest import Registry, csrf_of, login


def _connects(port: int, gateway_id: str, password: str) -> bool:
    result: list[object] = []
    done = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=broker_username(gateway_id))
    client.username_pw_set(broker_username(gateway_id), password)
    client.on_connect = lambda _c, _u, _f, reason, _p: (result.append(reason), done.set())
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        done.wait(5)
    finally:
        client.disconnect()
        client.loop_stop()
    return bool(result) and not result[0].is_failure  # type: ignore[attr-defined]


@pytest.fixture
def with_broker(secure_mosquitto: MosquittoServer, monkeypatch: pytest.MonkeyPatch) -> MosquittoServer:
    assert secure_mosquitto.admin is not None
    monkeypatch.setenv("I5G_BROKER_ADMIN_URL", secure_mosquitto.url)
    monkeypatch.setenv("I5G_BROKER_ADMIN_USERNAME", secure_mosquitto.admin.username)
    monkeypatch.setenv("I5G_BROKER_ADMIN_PASSWORD", secure_mosquitto.admin.password)
    return secure_mosquitto


def _gateway_form(client: TestClient, registry: Registry) -> tuple[str, str]:
    enterprise = registry.enterprise()
    registry.user("ops@zenith.cn", enterprise_id=enterprise)
    use_case = registry.use_case(enterprise)
    login(client, "ops@zenith.cn")
    url = f"/my/usecases/{use_case}/gateways/new"
    return url, csrf_of(client.get(url).text)


def test_one_time_password_lets_the_gateway_connect(
    client: TestClient, registry: Registry, with_broker: MosquittoServer
) -> None:
    url, token = _gateway_form(client, registry)
    page = client.post(url, data={"id": "zt-vision-01", "site_name": "二号厂房", "csrf_token": token})
    assert page.status_code == 201
    password = page.text.split('id="gateway-password">')[1].split("<")[0]
    assert len(password) >= 32
    assert _connects(with_broker.port, "zt-vision-01", password)
    assert not _connects(with_broker.port, "zt-vision-01", "not-the-password")
    assert password not in client.get("/my/usecases").text  # shown once only


def test_broker_outage_stores_nothing(client: TestClient, registry: Registry, with_broker: MosquittoServer) -> None:
    url, token = _gateway_form(client, registry)
    with_broker.stop()
    page = client.post(url, data={"id": "zt-vision-02", "site_name": "二号厂房", "csrf_token": token})
    assert page.status_code == 503 and 'id="form-error"' in page.text
    assert 'value="zt-vision-02"' in page.text
    assert registry.run(lambda s: s.scalar(select(func.count()).select_from(Gateway))) == 0


def test_page_hands_over_an_agent_configuration_that_connects(
    client: TestClient, registry: Registry, with_broker: MosquittoServer, tmp_path: Path
) -> None:
    """The configuration and commands shown with the password are enough: a real agent started with that
    agent.toml (password in the file the commands name) connects to the broker and publishes."""
    url, token = _gateway_form(client, registry)
    page = client.post(url, data={"id": "zt-vision-03", "site_name": "二号厂房", "csrf_token": token})
    assert page.status_code == 201
    password = page.text.split('id="gateway-password">')[1].split("<")[0]
    config_text = html.unescape(page.text.split('id="agent-config">')[1].split("</pre>")[0])
    commands = html.unescape(page.text.split('id="agent-commands">')[1].split("</pre>")[0]).splitlines()
    assert password not in config_text  # the configuration holds no secret
    assert any(password in command and PASSWORD_PATH in command for command in commands)
    assert any("systemctl enable --now i5g-agent" in command for command in commands)
    agent = tomllib.loads(config_text)["agent"]
    assert agent["gateway_id"] == "zt-vision-03"
    assert (agent["mqtt"]["host"], agent["mqtt"]["port"]) == ("127.0.0.1", with_broker.port)
    assert {name for name, section in agent["sources"].items() if section["enabled"]} >= {"host", "probe"}

    (tmp_path / "agent.toml").write_text(config_text)
    (tmp_path / "password").write_text(password)
    env = {
        **os.environ,
        "I5G_AGENT_MQTT__PASSWORD_FILE": str(tmp_path / "password"),  # what systemd's credential would be
        "I5G_AGENT_STATE_DIR": str(tmp_path / "state"),
        "I5G_AGENT_INTERVAL_S": "0.2",
    }
    log = tmp_path / "agent.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [I5G, "agent", "run", "--config", str(tmp_path / "agent.toml")], stdout=out, stderr=out, env=env
        )
    try:
        deadline = time.monotonic() + 20
        while "zt-vision-03: connected" not in log.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)
