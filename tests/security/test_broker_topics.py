"""Issue 16 item 5: what a gateway may publish, and what it can make the broker hold, on a real Mosquitto with
dynamic security and the project's broker policy (deploy/mosquitto/conf.d, the file the stack and compose use).

A gateway may publish to exactly its contract topics: anything else under its own subtree is refused and
forwarded to nobody; however many retained messages it sends, the broker holds at most one per contract
topic, and none once the gateway is revoked; a message over the contract's size limit is refused (the
sender is disconnected) and reaches nobody.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest

from devstack.mosquitto import MosquittoServer
from devstack.settings import REPO_ROOT
from i5g import contract
from registry.broker import service
from registry.broker.dynsec import Acl, DynsecClient
from registry.broker.settings import BrokerSettings
from tests.security.conftest import Peer, wait_for

GW = "gw-topics"
USER = contract.broker_username(GW)


@pytest.fixture
def policy_broker(secure_mosquitto: MosquittoServer) -> MosquittoServer:
    """The dynsec broker of tests/conftest.py, restarted with the project's broker policy."""
    secure_mosquitto.stop()
    secure_mosquitto.policy_dir = REPO_ROOT / "deploy" / "mosquitto" / "conf.d"
    return secure_mosquitto.start()


@pytest.fixture
def admin(policy_broker: MosquittoServer, broker_settings: BrokerSettings) -> Iterator[DynsecClient]:
    with DynsecClient.from_settings(broker_settings) as dynsec:
        yield dynsec


@pytest.fixture
def observer(admin: DynsecClient, policy_broker: MosquittoServer, peers: Callable[..., Peer]) -> Callable[[], Peer]:
    """A test-only account that may read every topic: whatever the broker forwards or holds, it sees."""
    admin.create_role("observer", [Acl("subscribePattern", "#"), Acl("publishClientReceive", "#")])
    admin.create_client("observer", "observer-password", ["observer"])

    def make() -> Peer:
        peer = peers(policy_broker.port, "observer", "observer-password", f"observer-{secrets.token_hex(3)}")
        assert not peer.subscribe("i5g/#")[0].is_failure
        return peer

    return make


def retained(observer: Callable[[], Peer]) -> list[tuple[str, bytes]]:
    """What the broker holds retained: a fresh subscriber to everything gets exactly that, before anything
    it subscribes to afterwards (the broker queues a subscription's retained messages right after its SUBACK)."""
    peer = observer()
    peer.subscribe("i5g/v1/end-marker/telemetry")
    peer.stop()
    return list(peer.messages)


def test_only_contract_topics_and_bounded_retain(
    policy_broker: MosquittoServer, admin: DynsecClient, peers: Callable[..., Peer], observer: Callable[[], Peer]
) -> None:
    collector = observer()
    password = service.provision_gateway(admin, GW, pin_client_id=True)
    gateway = peers(policy_broker.port, USER, password, USER)
    assert gateway.connected

    undeclared = [
        f"i5g/v1/{GW}/x",
        f"i5g/v1/{GW}/telemetry/extra",
        f"i5g/v1/{GW}",
        f"i5g/v1/{GW}/status/",
        "i5g/v1/other/telemetry",
        "$SYS/broker/forged",
    ]
    for topic in undeclared:
        assert str(gateway.publish(topic, b"x")) == "Not authorized", topic
    # Many retained messages: on undeclared topics all refused; on its two topics each replaces the last.
    for n in range(40):
        info = gateway.client.publish(f"i5g/v1/{GW}/r{n}", b"r" * 1000, qos=1, retain=True)
        assert wait_for(lambda mid=info.mid: mid in gateway.pubacks)
        assert str(gateway.pubacks[info.mid]) == "Not authorized"
    for n in range(20):
        for topic in contract.gateway_topics(GW):
            gateway.client.publish(topic, f"{n}".encode(), qos=1, retain=True).wait_for_publish(5)
    gateway.publish(contract.telemetry_topic(GW), b"marker")
    assert wait_for(lambda: (contract.telemetry_topic(GW), b"marker") in collector.messages)
    assert {topic for topic, _ in collector.messages} == set(contract.gateway_topics(GW))

    held = retained(observer)
    assert sorted(held) == sorted([(contract.status_topic(GW), b"19"), (contract.telemetry_topic(GW), b"19")])

    # Revoked: what it left retained is no longer handed out (check_retain_source).
    service.delete_gateway(admin, GW)
    assert retained(observer) == []


def test_oversized_message_is_refused(
    policy_broker: MosquittoServer, admin: DynsecClient, peers: Callable[..., Peer]
) -> None:
    service.ensure_collector(admin, "reader", "reader-password")
    collector = peers(policy_broker.port, "reader", "reader-password", "collector-live")
    assert not collector.subscribe(contract.TELEMETRY_SUBSCRIPTION)[0].is_failure
    password = service.provision_gateway(admin, GW, pin_client_id=True)
    gateway = peers(policy_broker.port, USER, password, USER)
    # Within the contract's limit: delivered.
    assert not gateway.publish(contract.telemetry_topic(GW), b"a" * contract.MAX_PAYLOAD_BYTES).is_failure
    assert wait_for(lambda: len(collector.messages) == 1)
    gateway.client.publish(contract.telemetry_topic(GW), b"b" * 400_000, qos=1)
    assert wait_for(lambda: bool(gateway.disconnects)), "an oversized publish did not cost the connection"
    # The broker still works and forwarded nothing of it.
    back = peers(policy_broker.port, USER, password, USER)
    back.publish(contract.telemetry_topic(GW), b"after")
    assert wait_for(lambda: (contract.telemetry_topic(GW), b"after") in collector.messages)
    assert all(len(payload) <= contract.MAX_PAYLOAD_BYTES for _, payload in collector.messages)
