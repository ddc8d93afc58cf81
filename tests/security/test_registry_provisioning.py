"""Registering, disabling and deleting a gateway in the registry (REST API) drives its broker identity."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devstack.mosquitto import MosquittoServer
from devstack.process import free_port
from i5g.contract import broker_username
from tests.security.conftest import Peer, wait_for

USER = broker_username("gw-reg-1")


def _use_case(registry) -> int:
    return registry.create_use_case("agv")["id"]


def test_created_gateway_gets_credentials_once_and_disable_kicks_it(
    registry_with_broker, secure_mosquitto: MosquittoServer, peers: Callable[..., Peer]
) -> None:
    registry = registry_with_broker
    use_case_id = _use_case(registry)
    created = registry.request(
        "POST", "/api/v1/gateways", json={"id": "gw-reg-1", "use_case_id": use_case_id, "site_name": "hall 1"}
    )
    assert created.status_code == 201, created.text
    password = created.json()["broker_password"]
    assert created.json()["broker_username"] == USER  # the gateway namespace, not the plain id
    assert password and len(password) >= 32
    # With it, the ready agent configuration (no secret inside) and the install commands.
    body = created.json()
    assert 'gateway_id = "gw-reg-1"' in body["agent_config"] and password not in body["agent_config"]
    assert f"port = {secure_mosquitto.port}" in body["agent_config"]
    assert any(password in command for command in body["install_commands"])
    # Shown once: reading the gateway again does not reveal it.
    again = registry.request("GET", "/api/v1/gateways/gw-reg-1").json()
    assert again["broker_password"] is None and again["agent_config"] is None and again["install_commands"] is None

    gateway = peers(secure_mosquitto.port, USER, password, USER)
    gateway.client.reconnect_delay_set(60, 60)
    assert gateway.connected

    disabled = registry.request("PATCH", "/api/v1/gateways/gw-reg-1", json={"enabled": False})
    assert disabled.status_code == 200, disabled.text
    assert wait_for(lambda: bool(gateway.disconnects), timeout=2), "disabled gateway still connected"
    assert not peers(secure_mosquitto.port, USER, password, USER).connected

    enabled = registry.request("PATCH", "/api/v1/gateways/gw-reg-1", json={"enabled": True})
    assert enabled.status_code == 200 and enabled.json()["broker_password"] is None  # the same password works
    back = peers(secure_mosquitto.port, USER, password, USER)
    assert back.connected
    back.stop()

    assert registry.request("DELETE", "/api/v1/gateways/gw-reg-1").status_code == 204
    assert not peers(secure_mosquitto.port, USER, password, USER).connected


def test_unreachable_broker_fails_the_create_and_saves_nothing(
    registry_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_case_id = _use_case(registry_server)
    monkeypatch.setenv("I5G_BROKER_ADMIN_URL", f"mqtt://127.0.0.1:{free_port()}")
    monkeypatch.setenv("I5G_BROKER_TIMEOUT_S", "2")
    response = registry_server.request(
        "POST", "/api/v1/gateways", json={"id": "gw-reg-2", "use_case_id": use_case_id, "site_name": "hall 2"}
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "broker_unavailable"
    assert "cannot reach the broker" in response.json()["error"]["message"]
    assert registry_server.request("GET", "/api/v1/gateways/gw-reg-2").status_code == 404


def test_without_broker_settings_the_registry_provisions_nothing(registry_server) -> None:
    use_case_id = _use_case(registry_server)
    response = registry_server.request(
        "POST", "/api/v1/gateways", json={"id": "gw-reg-3", "use_case_id": use_case_id, "site_name": "hall 3"}
    )
    assert response.status_code == 201
    assert response.json()["broker_password"] is None
