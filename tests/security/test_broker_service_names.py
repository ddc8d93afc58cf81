"""Issue 16 item 1: no gateway id can name, take over or change a broker service account.

A real Mosquitto with dynamic security holds the admin and the collector accounts. Every service account
name, in upper/title case, fullwidth, with Cyrillic look-alike letters, with zero-width or trailing
characters, is registered as a gateway through the REST API and through the enterprise's web form: every
attempt is refused, nothing is stored, and the admin and collector accounts are exactly as before (their
passwords still work, their roles are unchanged, no account appeared). Below the registry, provisioning
itself refuses reserved ids and never rotates an account it did not make for that gateway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devstack.mosquitto import MosquittoServer
from i5g import contract
from registry.broker import service
from registry.broker.dynsec import DynsecClient
from registry.broker.settings import BrokerSettings
from tests.security.conftest import Peer
from tests.web.conftest import Registry, csrf_of, login

COLLECTOR, COLLECTOR_PASSWORD = "i5g-collector", "collector-secret-0123456789"
# Every account, client id and role name the platform itself uses at the broker.
SERVICE_NAMES = ("i5g-admin", "i5g-collector", "i5g-collector-stack", "i5g-collector-0", "admin", "i5g-gateway-x")
_CYRILLIC = str.maketrans({"a": "а", "c": "с", "e": "е", "i": "і", "o": "о", "x": "х"})


def variants(name: str) -> list[str]:
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in name)
    return [
        name,
        name.upper(),
        name.title(),
        fullwidth,
        name.translate(_CYRILLIC),
        f"{name[0]}\u200b{name[1:]}",  # zero-width space
        f"{name}\u200d",  # zero-width joiner
        f"\u2060{name}",  # word joiner
        f" {name} ",
    ]


ATTEMPTS = [variant for name in SERVICE_NAMES for variant in variants(name)]


@pytest.fixture
def broker(
    secure_mosquitto: MosquittoServer, broker_settings: BrokerSettings, monkeypatch: pytest.MonkeyPatch
) -> MosquittoServer:
    with DynsecClient.from_settings(broker_settings) as dynsec:
        service.ensure_collector(dynsec, COLLECTOR, COLLECTOR_PASSWORD)
    monkeypatch.setenv("I5G_BROKER_ADMIN_URL", broker_settings.admin_url or "")
    monkeypatch.setenv("I5G_BROKER_ADMIN_USERNAME", broker_settings.admin_username)
    monkeypatch.setenv("I5G_BROKER_ADMIN_PASSWORD", broker_settings.admin_password.get_secret_value())
    return secure_mosquitto


def snapshot(settings: BrokerSettings) -> dict[str, dict]:
    """Every account with its roles, text name and state; connecting proves the admin password still works."""
    with DynsecClient.from_settings(settings) as dynsec:
        return {name: dynsec.get_client(name) or {} for name in dynsec.list_clients()}


def assert_untouched(before: dict[str, dict], settings: BrokerSettings, port: int, peers: Callable[..., Peer]) -> None:
    assert snapshot(settings) == before
    collector = peers(port, COLLECTOR, COLLECTOR_PASSWORD, "i5g-collector-probe")
    assert collector.connected, "the collector's password no longer works"
    assert not collector.subscribe(contract.TELEMETRY_SUBSCRIPTION)[0].is_failure


def test_rest_refuses_every_service_name(
    registry_server, broker: MosquittoServer, broker_settings: BrokerSettings, peers: Callable[..., Peer]
) -> None:
    before = snapshot(broker_settings)
    use_case_id = registry_server.create_use_case("agv")["id"]
    for gateway_id in ATTEMPTS:
        body = {"id": gateway_id, "use_case_id": use_case_id, "site_name": "hall"}
        answer = registry_server.request("POST", "/api/v1/gateways", json=body)
        assert answer.status_code == 422, (gateway_id, answer.status_code, answer.text)
        assert "broker_password" not in answer.text
    assert registry_server.request("GET", "/api/v1/gateways").json()["total"] == 0
    assert_untouched(before, broker_settings, broker.port, peers)


@pytest.fixture
def web(tmp_path: Path, broker: MosquittoServer) -> Iterator[tuple[TestClient, str]]:
    from registry.app import create_app
    from registry.schema import prepare_database
    from registry.settings import RegistrySettings

    url = f"sqlite:///{tmp_path / 'web.db'}"
    prepare_database(url)
    app = create_app(RegistrySettings(database_url=url))
    registry = Registry(app)
    enterprise = registry.enterprise()
    registry.user("ops@zenith.cn", enterprise_id=enterprise)
    use_case = registry.use_case(enterprise)
    with TestClient(app) as client:
        login(client, "ops@zenith.cn")
        yield client, f"/my/usecases/{use_case}/gateways/new"
    app.state.engine.dispose()


def test_web_form_refuses_every_service_name(
    web: tuple[TestClient, str], broker: MosquittoServer, broker_settings: BrokerSettings, peers: Callable[..., Peer]
) -> None:
    client, url = web
    before = snapshot(broker_settings)
    token = csrf_of(client.get(url).text)
    for gateway_id in ATTEMPTS:
        page = client.post(url, data={"id": gateway_id, "site_name": "hall", "csrf_token": token})
        assert page.status_code == 400, (gateway_id, page.status_code)
        assert 'id="gateway-password"' not in page.text
    assert_untouched(before, broker_settings, broker.port, peers)
    # The form itself still works: a proper id gets an account in the gateway namespace.
    page = client.post(url, data={"id": "zt-line-01", "site_name": "hall", "csrf_token": token})
    assert page.status_code == 201
    password = page.text.split('id="gateway-password">')[1].split("<")[0]
    assert contract.broker_username("zt-line-01") in page.text
    gateway = peers(broker.port, contract.broker_username("zt-line-01"), password, "gw.zt-line-01")
    assert gateway.connected


def test_provisioning_refuses_reserved_ids_and_foreign_accounts(
    broker: MosquittoServer, dynsec: DynsecClient, peers: Callable[..., Peer]
) -> None:
    for gateway_id in ("i5g-collector", "i5g-admin", "admin"):
        with pytest.raises(ValueError, match="reserved"):
            service.provision_gateway(dynsec, gateway_id, pin_client_id=True)
    # An account in the gateway namespace that provisioning did not make (by hand, or another tool).
    dynsec.create_client("gw.hand-made", "hand-password", ["i5g-collector"], textname="made by hand")
    before = dynsec.get_client("gw.hand-made")
    for action in (service.provision_gateway, service.revoke_gateway, service.delete_gateway):
        with pytest.raises(service.ForeignClient):
            action(dynsec, "hand-made")
    assert dynsec.get_client("gw.hand-made") == before
    assert peers(broker.port, "gw.hand-made", "hand-password", "hand").connected
    # A service account can never be put into the gateway namespace either.
    with pytest.raises(ValueError, match="namespace"):
        service.ensure_collector(dynsec, "gw.collector", "x")
    with pytest.raises(ValueError, match="belong to gateways"):
        BrokerSettings(admin_url="mqtt://127.0.0.1:1", admin_username="gw.admin")
