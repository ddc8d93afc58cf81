"""Per-gateway identities on a real Mosquitto: each gateway publishes only under its own topic root, the
collector's role receives everyone's data (shared subscriptions included), anonymous and revoked clients
are refused and a revoked client that is connected is thrown out at once."""

from __future__ import annotations

from collections.abc import Callable

import paho.mqtt.client as mqtt
import pytest

from devstack.mosquitto import MosquittoServer
from devstack.process import free_port
from i5g import contract
from i5g.contract import broker_username
from registry.broker import hooks, service
from registry.broker.dynsec import DynsecClient
from registry.broker.settings import BrokerSettings
from tests.security.conftest import Peer, wait_for

SHARED = contract.shared_subscription("collectors")


@pytest.fixture
def collector(secure_mosquitto: MosquittoServer, dynsec: DynsecClient, peers: Callable[..., Peer]) -> Peer:
    service.ensure_collector(dynsec, "collector", "collector-pw")
    peer = peers(secure_mosquitto.port, "collector", "collector-pw", "i5g-collector-0")
    assert [code.is_failure for code in peer.subscribe(SHARED)] == [False]
    assert [code.is_failure for code in peer.subscribe(contract.STATUS_SUBSCRIPTION)] == [False]
    return peer


def test_gateway_reaches_the_collector_only_on_its_own_topics(
    secure_mosquitto: MosquittoServer, dynsec: DynsecClient, collector: Peer, peers: Callable[..., Peer]
) -> None:
    password = service.provision_gateway(dynsec, "gw-a")
    service.provision_gateway(dynsec, "gw-b")
    gateway = peers(secure_mosquitto.port, broker_username("gw-a"), password, broker_username("gw-a"))
    assert gateway.connected

    assert not gateway.publish(contract.telemetry_topic("gw-a"), b"own").is_failure
    assert not gateway.publish(contract.status_topic("gw-a"), b"up").is_failure
    # Impersonating gw-b: the broker answers "not authorized" and forwards nothing.
    assert str(gateway.publish(contract.telemetry_topic("gw-b"), b"forged")) == "Not authorized"
    assert str(gateway.publish("i5g/v1/other/telemetry", b"forged")) == "Not authorized"
    # A marker after the forgeries: once it arrived, anything forwarded before it would have too.
    gateway.publish(contract.telemetry_topic("gw-a"), b"marker")
    assert wait_for(lambda: (contract.telemetry_topic("gw-a"), b"marker") in collector.messages)
    assert collector.messages == [
        (contract.telemetry_topic("gw-a"), b"own"),
        (contract.status_topic("gw-a"), b"up"),
        (contract.telemetry_topic("gw-a"), b"marker"),
    ]


def test_gateway_may_subscribe_to_nothing(
    secure_mosquitto: MosquittoServer, dynsec: DynsecClient, peers: Callable[..., Peer]
) -> None:
    password = service.provision_gateway(dynsec, "gw-a")
    gateway = peers(secure_mosquitto.port, broker_username("gw-a"), password, broker_username("gw-a"))
    for topic in ("#", contract.TELEMETRY_SUBSCRIPTION, contract.gateway_topic_filter("gw-a"), SHARED):
        assert [str(code) for code in gateway.subscribe(topic)] == ["Not authorized"], topic


def test_collector_may_not_publish(secure_mosquitto: MosquittoServer, collector: Peer) -> None:
    assert str(collector.publish(contract.telemetry_topic("gw-a"), b"forged")) == "Not authorized"


@pytest.mark.parametrize(("username", "password"), [(None, None), ("gw-a", "wrong"), ("nobody", "x")])
def test_anonymous_and_wrong_credentials_are_refused(
    secure_mosquitto: MosquittoServer,
    dynsec: DynsecClient,
    peers: Callable[..., Peer],
    username: str | None,
    password: str | None,
) -> None:
    service.provision_gateway(dynsec, "gw-a")
    peer = peers(secure_mosquitto.port, username, password, "intruder")
    assert not peer.connected


def test_revoking_kicks_the_connected_gateway_and_refuses_it(
    secure_mosquitto: MosquittoServer, dynsec: DynsecClient, collector: Peer, peers: Callable[..., Peer]
) -> None:
    password = service.provision_gateway(dynsec, "gw-a")
    gateway = peers(secure_mosquitto.port, broker_username("gw-a"), password, broker_username("gw-a"))
    gateway.client.reconnect_delay_set(60, 60)  # no automatic reconnect muddying the picture
    assert gateway.connected

    assert service.revoke_gateway(dynsec, "gw-a")
    assert wait_for(lambda: bool(gateway.disconnects), timeout=2), "revoked gateway still connected"
    assert gateway.disconnects[0] == "Administrative action"
    again = peers(secure_mosquitto.port, broker_username("gw-a"), password, broker_username("gw-a-again"))
    assert not again.connected
    assert str(again.connack) == "Not authorized"

    # Re-enabling restores the same password; unknown gateways are reported as such.
    assert service.restore_gateway(dynsec, "gw-a")
    assert peers(secure_mosquitto.port, broker_username("gw-a"), password, broker_username("gw-a-back")).connected
    assert not service.revoke_gateway(dynsec, "never-provisioned")


def test_deleting_removes_identity_and_role(
    secure_mosquitto: MosquittoServer, dynsec: DynsecClient, peers: Callable[..., Peer]
) -> None:
    password = service.provision_gateway(dynsec, "gw-a")
    gateway = peers(secure_mosquitto.port, broker_username("gw-a"), password, broker_username("gw-a"))
    gateway.client.reconnect_delay_set(60, 60)
    service.delete_gateway(dynsec, "gw-a")
    assert wait_for(lambda: bool(gateway.disconnects), timeout=2)
    assert dynsec.get_client("gw-a") is None
    assert dynsec.get_role("i5g-gateway-gw-a") is None
    assert not peers(secure_mosquitto.port, broker_username("gw-a"), password, broker_username("gw-a-2")).connected
    service.delete_gateway(dynsec, "gw-a")  # idempotent


def test_provisioning_again_rotates_the_password(
    secure_mosquitto: MosquittoServer, dynsec: DynsecClient, peers: Callable[..., Peer]
) -> None:
    first = service.provision_gateway(dynsec, "gw-a")
    second = service.provision_gateway(dynsec, "gw-a")
    assert first != second and len(second) >= 32
    assert not peers(secure_mosquitto.port, broker_username("gw-a"), first, broker_username("gw-a-1")).connected
    assert peers(secure_mosquitto.port, broker_username("gw-a"), second, broker_username("gw-a-2")).connected


def test_pinned_client_id_stops_session_takeover(
    secure_mosquitto: MosquittoServer, dynsec: DynsecClient, peers: Callable[..., Peer]
) -> None:
    service.provision_gateway(dynsec, "gw-a", pin_client_id=True)
    password_b = service.provision_gateway(dynsec, "gw-b", pin_client_id=True)
    # gw-b's credentials with gw-a's client id would otherwise disconnect gw-a's session.
    assert not peers(secure_mosquitto.port, broker_username("gw-b"), password_b, broker_username("gw-a")).connected
    assert peers(secure_mosquitto.port, broker_username("gw-b"), password_b, broker_username("gw-b")).connected


def test_invalid_gateway_id_is_refused_before_the_broker(dynsec: DynsecClient) -> None:
    with pytest.raises(ValueError, match="not a gateway id"):
        service.provision_gateway(dynsec, "a/#")


def test_hooks_do_nothing_without_a_broker_setting() -> None:
    unset = BrokerSettings(admin_url=None)
    assert hooks.gateway_created("gw-a", unset) is None
    assert hooks.gateway_disabled("gw-a", unset) is None
    assert hooks.gateway_deleted("gw-a", unset) is None


def test_hooks_follow_the_gateway_lifecycle(
    secure_mosquitto: MosquittoServer, broker_settings: BrokerSettings, peers: Callable[..., Peer]
) -> None:
    def can_log_in(password: str) -> bool:
        # Client id = gateway id: the hooks pin it, as the agent uses it.
        peer = peers(secure_mosquitto.port, broker_username("gw-hook"), password, broker_username("gw-hook"))
        peer.stop()
        return peer.connack is not None and not peer.connack.is_failure

    password = hooks.gateway_created("gw-hook", broker_settings)
    assert password
    assert can_log_in(password)
    assert not peers(secure_mosquitto.port, broker_username("gw-hook"), password, "other-client-id").connected
    hooks.gateway_disabled("gw-hook", broker_settings)
    assert not can_log_in(password)
    assert hooks.gateway_enabled("gw-hook", broker_settings) is None  # same password again
    assert can_log_in(password)
    hooks.gateway_deleted("gw-hook", broker_settings)
    fresh = hooks.gateway_enabled("gw-hook", broker_settings)  # no identity left: a new one
    assert fresh and fresh != password


def test_hooks_report_an_unreachable_broker_as_a_registry_error() -> None:
    unreachable = BrokerSettings(admin_url=f"mqtt://127.0.0.1:{free_port()}", admin_password="x", timeout_s=2)
    with pytest.raises(hooks.BrokerFailure, match="nothing was saved: cannot reach the broker") as caught:
        hooks.gateway_created("gw-a", unreachable)
    assert caught.value.status_code == 503


def test_reason_codes_are_mqtt5() -> None:
    # The assertions above compare paho's reason-code names; pin the ones they rely on.
    assert str(mqtt.ReasonCode(mqtt.PacketTypes.PUBACK, identifier=135)) == "Not authorized"
