"""Issue 16 item 1, migration: a broker provisioned by an older version (gateway username = plain gateway id,
publish on the whole subtree) is moved into the gateway namespace by `i5g broker migrate-file` while the
broker is stopped. The gateway keeps its password under its new username; its role gets the exact contract
topics; a service account that had been given a gateway role (the hijack of issue 16) loses that role."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from devstack.mosquitto import MosquittoServer
from i5g import contract
from registry.broker import service
from registry.broker.acl import PUBLISH, gateway_acls, gateway_role
from registry.broker.dynsec import Acl, DynsecClient
from registry.broker.settings import BrokerSettings
from tests.security.conftest import Peer


def test_migrate_file_moves_old_gateway_accounts(
    secure_mosquitto: MosquittoServer, broker_settings: BrokerSettings, peers: Callable[..., Peer]
) -> None:
    with DynsecClient.from_settings(broker_settings) as dynsec:
        service.ensure_collector(dynsec, "i5g-collector", "collector-pw")
        # What the previous version made: username and client id = gateway id, the whole subtree allowed.
        for gateway_id in ("gw-old", "i5g-collector"):
            dynsec.create_role(gateway_role(gateway_id), [Acl(PUBLISH, contract.gateway_topic_filter(gateway_id))])
        dynsec.create_client(
            "gw-old", "old-pw", [gateway_role("gw-old")], clientid="gw-old", textname="i5g gateway gw-old"
        )
        dynsec.add_client_role("i5g-collector", gateway_role("i5g-collector"))  # the hijack left this behind
    secure_mosquitto.stop()
    dynsec_file = secure_mosquitto.dynsec_path
    migrate = [sys.executable, "-m", "i5g.cli", "broker", "migrate-file", str(dynsec_file)]
    first = subprocess.run(migrate, capture_output=True, text=True, timeout=60, check=True).stdout
    assert "renamed account gw-old -> gw.gw-old" in first
    assert "i5g-collector: i5g-gateway-i5g-collector" in first
    again = subprocess.run(migrate, capture_output=True, text=True, timeout=60, check=True).stdout
    assert "nothing to migrate" in again
    assert dynsec_file.stat().st_mode & 0o777 == 0o600
    secure_mosquitto.start()

    assert not peers(secure_mosquitto.port, "gw-old", "old-pw", "gw-old").connected
    gateway = peers(secure_mosquitto.port, "gw.gw-old", "old-pw", "gw.gw-old")
    assert gateway.connected, "the migrated gateway lost its password"
    assert not gateway.publish(contract.telemetry_topic("gw-old"), b"ok").is_failure
    assert str(gateway.publish("i5g/v1/gw-old/anything", b"x")) == "Not authorized"
    with DynsecClient.from_settings(broker_settings) as dynsec:
        collector = dynsec.get_client("i5g-collector") or {}
    assert [role["rolename"] for role in collector["roles"]] == ["i5g-collector"]
    assert peers(secure_mosquitto.port, "i5g-collector", "collector-pw", "i5g-collector-x").connected


def test_provisioning_brings_an_old_role_to_the_exact_topics(dynsec: DynsecClient) -> None:
    """Online reconcile: re-provisioning a gateway whose role an older version made (whole subtree) leaves
    exactly the current ACLs."""
    dynsec.create_role(gateway_role("gw-role"), [Acl(PUBLISH, contract.gateway_topic_filter("gw-role"), priority=10)])
    service.provision_gateway(dynsec, "gw-role", pin_client_id=True)
    role = dynsec.get_role(gateway_role("gw-role")) or {}
    acls = sorted((a["acltype"], a["topic"], a["allow"], a["priority"]) for a in role["acls"])
    assert acls == sorted((a.acltype, a.topic, a.allow, a.priority) for a in gateway_acls("gw-role"))
