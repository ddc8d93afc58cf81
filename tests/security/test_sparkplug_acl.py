"""Issue 15: a gateway declared a Sparkplug B edge node may publish only as that node, on a real Mosquitto with
dynamic security: its own NBIRTH/NDATA/NDEATH and its devices' D* topics; never another node's or group's,
never STATE (host applications' only) or commands; it receives NCMD for itself only. Tested as an attacker:
another gateway, itself a declared node, tries to publish under this node's topics."""

from __future__ import annotations

from collections.abc import Callable

from devstack.mosquitto import MosquittoServer
from i5g import contract
from registry.broker import service
from registry.broker.dynsec import Acl, DynsecClient
from tests.security.conftest import Peer, wait_for

GROUP = "Plant A"


def topic(kind: str, node: str, device: str | None = None, group: str = GROUP) -> str:
    return contract.sparkplug_node_topic(group, kind, node, device)


def test_each_sparkplug_identity_publishes_only_as_its_own_node(
    secure_mosquitto: MosquittoServer, dynsec: DynsecClient, peers: Callable[..., Peer]
) -> None:
    port = secure_mosquitto.port
    dynsec.create_role("observer", [Acl("subscribePattern", "#"), Acl("publishClientReceive", "#")])
    dynsec.create_client("observer", "observer-password", ["observer"])
    observer = peers(port, "observer", "observer-password", "observer")
    assert not observer.subscribe("spBv1.0/#")[0].is_failure

    password_a = service.provision_gateway(dynsec, "sp-a", pin_client_id=True)
    password_b = service.provision_gateway(dynsec, "sp-b", pin_client_id=True)
    assert service.declare_sparkplug(dynsec, "sp-a", GROUP, "Node A")
    assert service.declare_sparkplug(dynsec, "sp-b", GROUP, "Node B")
    user_a, user_b = contract.broker_username("sp-a"), contract.broker_username("sp-b")
    node_a = peers(port, user_a, password_a, user_a)
    attacker = peers(port, user_b, password_b, user_b)

    own = [
        topic("NBIRTH", "Node A"),
        topic("NDATA", "Node A"),
        topic("DBIRTH", "Node A", "PLC 1"),
        topic("DDATA", "Node A", "PLC 1"),
        topic("DDEATH", "Node A", "PLC 1"),
        topic("NDEATH", "Node A"),
    ]
    for name in own:
        assert not node_a.publish(name, b"x").is_failure, name
    foreign = [
        topic("NBIRTH", "Node B"),
        topic("NDATA", "Node A", group="Plant B"),
        topic("NCMD", "Node A"),  # commands come from host applications
        topic("DCMD", "Node A", "PLC 1"),
        "spBv1.0/STATE/host-1",  # STATE is the host applications' topic
        topic("DDATA", "Node A", "PLC 1") + "/extra",
        "spBv1.0/Plant A/NDATA/Node A/",
        "i5g/v1/sp-b/telemetry",
    ]
    for name in foreign:
        assert str(node_a.publish(name, b"forged")) == "Not authorized", name
    # The attacker: a declared node itself, publishing under Node A's every topic.
    for name in own:
        assert str(attacker.publish(name, b"forged")) == "Not authorized", name
    assert not attacker.publish(topic("NDATA", "Node B"), b"own").is_failure  # its own still works
    assert wait_for(lambda: (topic("NDATA", "Node B"), b"own") in observer.messages)
    assert {t for t, p in observer.messages if p == b"forged"} == set(), "a refused publish reached a subscriber"

    # Commands: each node subscribes to its own NCMD; another node's, or everything, is refused.
    assert not node_a.subscribe(topic("NCMD", "Node A"))[0].is_failure
    assert not node_a.subscribe("spBv1.0/STATE/+")[0].is_failure
    assert node_a.subscribe(topic("NCMD", "Node B"))[0].is_failure
    assert node_a.subscribe("spBv1.0/#")[0].is_failure
    assert not attacker.subscribe(topic("NCMD", "Node B"))[0].is_failure
    service.ensure_collector(dynsec, "collector-acct", "collector-password")
    collector = peers(port, "collector-acct", "collector-password", "i5g-collector-t")
    assert not collector.publish(topic("NCMD", "Node A"), b"rebirth").is_failure  # the rebirth request
    assert wait_for(lambda: (topic("NCMD", "Node A"), b"rebirth") in node_a.messages)
    assert not any(t == topic("NCMD", "Node A") for t, _ in attacker.messages)
    assert str(collector.publish(topic("NDATA", "Node A"), b"forged")) == "Not authorized"
    for data in contract.SPARKPLUG_DATA_SUBSCRIPTIONS:
        assert not collector.subscribe(contract.shared_subscription("g", data))[0].is_failure
    for lifecycle in contract.SPARKPLUG_LIFECYCLE_SUBSCRIPTIONS:  # in a share group of one replica (intake.py)
        assert not collector.subscribe(contract.shared_subscription("g.replica-1", lifecycle))[0].is_failure

    # Rotating the password keeps the declaration; withdrawing it takes every Sparkplug topic away.
    password_a = service.provision_gateway(dynsec, "sp-a", pin_client_id=True)
    node_a = peers(port, user_a, password_a, user_a)
    assert not node_a.publish(topic("NDATA", "Node A"), b"after rotation").is_failure
    service.withdraw_sparkplug(dynsec, "sp-a")
    assert str(node_a.publish(topic("NDATA", "Node A"), b"forged")) == "Not authorized"
    assert not node_a.publish(contract.telemetry_topic("sp-a"), b"{}").is_failure  # its own contract topics stay


def test_ids_that_would_widen_the_acl_are_refused() -> None:
    from registry.broker.acl import sparkplug_acls

    for group, node in [("+", "N"), ("G", "#"), ("G/x", "N"), ("STATE", "N"), ("G", ""), ("G", "N\x00")]:
        try:
            sparkplug_acls(group, node)
        except ValueError:
            continue
        raise AssertionError(f"{group!r}/{node!r} was accepted")


def test_reconcile_restores_a_lost_sparkplug_role(
    secure_mosquitto: MosquittoServer, dynsec: DynsecClient, peers: Callable[..., Peer]
) -> None:
    """A broker restored from an older file lost the declaration: reconcile brings it back, once."""
    from registry.broker.acl import sparkplug_role
    from registry.broker.reconcile import reconcile

    password = service.provision_gateway(dynsec, "sp-r", pin_client_id=True)
    declared = {"sp-r": (GROUP, "Node R")}
    assert reconcile(dynsec, {"sp-r": True}, sparkplug=declared).sparkplug == ["sp-r"]
    dynsec.delete_role(sparkplug_role("sp-r"))
    assert reconcile(dynsec, {"sp-r": True}, sparkplug=declared, dry_run=True).sparkplug == ["sp-r"]
    assert reconcile(dynsec, {"sp-r": True}, sparkplug=declared).sparkplug == ["sp-r"]
    assert reconcile(dynsec, {"sp-r": True}, sparkplug=declared).changes == 0
    user = contract.broker_username("sp-r")
    node = peers(secure_mosquitto.port, user, password, user)
    assert not node.publish(topic("NBIRTH", "Node R"), b"x").is_failure
