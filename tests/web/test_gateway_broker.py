"""Registering a gateway on the page provisions its identity on a real Mosquitto (dynamic security): the
one-time password shown on the page lets the gateway connect; a broker outage stores nothing."""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from i5g.contract import broker_username
from i5g.stack.mosquitto import MosquittoServer
from registry.gateways.models import Gateway
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
