"""The dynamic-security client against a real Mosquitto: correlation, clear errors, persistence."""

from __future__ import annotations

import pytest

from devstack.mosquitto import MosquittoServer
from devstack.process import free_port
from registry.broker.dynsec import Acl, BrokerUnavailable, DynsecClient, DynsecCommandError
from registry.broker.settings import BrokerSettings


def test_commands_answer_in_order_with_their_own_results(dynsec: DynsecClient) -> None:
    responses = dynsec.execute(
        [
            {"command": "createRole", "rolename": "r1", "acls": [Acl("subscribePattern", "a/#").to_json()]},
            {"command": "createClient", "username": "u1", "password": "p1", "roles": [{"rolename": "r1"}]},
            {"command": "getClient", "username": "u1"},
        ]
    )
    assert [r["command"] for r in responses] == ["createRole", "createClient", "getClient"]
    assert responses[2]["data"]["client"]["roles"] == [{"rolename": "r1"}]
    assert "u1" in dynsec.list_clients()


def test_rejected_command_names_the_command_and_the_reason(dynsec: DynsecClient) -> None:
    dynsec.create_client("dup", "x")
    with pytest.raises(DynsecCommandError, match=r"createClient failed: Client already exists \(username=dup\)"):
        dynsec.create_client("dup", "y")
    with pytest.raises(DynsecCommandError, match="Unknown command"):
        dynsec.run("noSuchCommand")
    # tolerated errors come back as data, not exceptions
    assert dynsec.create_client("dup", "y", tolerate=["Client already exists"])["error"] == "Client already exists"


def test_wrong_admin_password_is_a_clear_error(broker_settings: BrokerSettings) -> None:
    bad = broker_settings.model_copy(update={"admin_password": broker_settings.admin_password.__class__("nope")})
    with pytest.raises(BrokerUnavailable, match="refused the admin login"):
        DynsecClient.from_settings(bad).connect()


def test_non_admin_account_is_a_clear_error(dynsec: DynsecClient, broker_settings: BrokerSettings) -> None:
    dynsec.create_client("plain", "pw")
    client = DynsecClient("127.0.0.1", broker_settings.port, "plain", "pw", timeout=3)
    with pytest.raises(BrokerUnavailable, match="admin role"):
        client.connect()


def test_unreachable_broker_is_a_clear_error() -> None:
    with pytest.raises(BrokerUnavailable, match=r"cannot reach the broker at mqtt://127\.0\.0\.1"):
        DynsecClient("127.0.0.1", free_port(), "a", "b", timeout=2).connect()


def test_identities_survive_a_broker_restart(secure_mosquitto: MosquittoServer, dynsec: DynsecClient) -> None:
    # Run as root, mosquitto used to drop to user `mosquitto` and could not save its dynsec file.
    dynsec.create_client("kept", "pw")
    dynsec.close()
    secure_mosquitto.restart()
    assert secure_mosquitto.admin is not None
    with DynsecClient(
        "127.0.0.1", secure_mosquitto.port, secure_mosquitto.admin.username, secure_mosquitto.admin.password
    ) as again:
        assert again.get_client("kept") is not None


def test_settings_validate_the_url() -> None:
    assert not BrokerSettings().enabled
    settings = BrokerSettings(admin_url="mqtts://broker.example")
    assert (settings.host, settings.port, settings.tls) == ("broker.example", 8883, True)
    with pytest.raises(ValueError, match="mqtt://host:port"):
        BrokerSettings(admin_url="http://x")
