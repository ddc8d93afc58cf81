"""Restoring an older broker identities file, then `i5g broker reconcile` (issue 18), on real Mosquitto with
dynamic security and the real registry.

The restored file brings back a gateway deleted since (with its old password), lets a gateway disabled since
in again and lacks one registered since. Reconcile deletes, disables and creates (new password printed once),
leaves the admin and the collector account alone, and a second run changes nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from devstack.mosquitto import MosquittoServer
from i5g.contract import broker_username
from registry.broker.dynsec import DynsecClient
from registry.broker.service import ensure_collector
from registry.broker.settings import BrokerSettings
from tests.security.conftest import Peer

I5G = str(Path(sys.executable).parent / "i5g")


def gateway_peer(peers: Callable[..., Peer], port: int, gateway_id: str, password: str) -> Peer:
    """A client logging in as the gateway's broker account (its username and pinned client id)."""
    return peers(port, broker_username(gateway_id), password, broker_username(gateway_id))


def _reconcile(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [I5G, "broker", "reconcile", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _restart_with(broker: MosquittoServer, dynsec_file: Path) -> None:
    broker.stop()
    shutil.copyfile(dynsec_file, broker.dynsec_path)
    broker.start()


def test_reconcile_after_restoring_an_older_broker_file(
    registry_server,
    secure_mosquitto: MosquittoServer,
    broker_env: dict[str, str],
    peers: Callable[..., Peer],
    tmp_path: Path,
) -> None:
    registry, broker = registry_server, secure_mosquitto
    use_case_id = registry.create_use_case("agv")["id"]
    passwords = {}
    for gateway_id in ("gw-kept", "gw-gone", "gw-off"):
        created = registry.create_gateway(gateway_id, use_case_id)
        passwords[gateway_id] = created["broker_password"]
    with DynsecClient.from_settings(BrokerSettings.load()) as dynsec:
        ensure_collector(dynsec, "i5g-collector", "collector-password-1234")
    backup = tmp_path / "dynamic-security.json.bak"
    shutil.copyfile(broker.dynsec_path, backup)

    assert registry.request("DELETE", "/api/v1/gateways/gw-gone").status_code == 204
    assert registry.request("PATCH", "/api/v1/gateways/gw-off", json={"enabled": False}).status_code == 200
    registry.create_gateway("gw-new", use_case_id)
    _restart_with(broker, backup)

    # The problem: the deleted and the disabled gateway get in again with their old passwords.
    for gateway_id in ("gw-gone", "gw-off"):
        assert peers(
            broker.port, broker_username(gateway_id), passwords[gateway_id], broker_username(gateway_id)
        ).connected, gateway_id

    planned = _reconcile(broker_env, "--dry-run")
    assert "gw-gone: would be deleted" in planned and "gw-new: would be created" in planned
    assert "password" not in planned
    assert peers(
        broker.port, broker_username("gw-gone"), passwords["gw-gone"], broker_username("gw-gone")
    ).connected  # nothing changed

    report = _reconcile(broker_env)
    assert "gw-gone: deleted" in report and "gw-off: disabled" in report
    new_password = re.search(r"gw-new: created, new password: (\S+)", report)
    assert new_password, report
    assert "3 change(s)" in report and "2 other broker account(s) left alone" in report  # admin, collector

    for gateway_id in ("gw-gone", "gw-off"):
        assert not peers(
            broker.port, broker_username(gateway_id), passwords[gateway_id], broker_username(gateway_id)
        ).connected, gateway_id
    assert gateway_peer(peers, broker.port, "gw-kept", passwords["gw-kept"]).connected
    assert gateway_peer(peers, broker.port, "gw-new", new_password.group(1)).connected
    assert peers(broker.port, "i5g-collector", "collector-password-1234", "i5g-collector-0").connected
    with DynsecClient.from_settings(BrokerSettings.load()) as dynsec:
        assert dynsec.get_client("gw-gone") is None and dynsec.get_role("i5g-gateway-gw-gone") is None

    again = _reconcile(broker_env)
    assert "0 change(s)" in again and "password" not in again
    # Enabling the gateway in the registry afterwards restores it with its own password, as before.
    assert registry.request("PATCH", "/api/v1/gateways/gw-off", json={"enabled": True}).status_code == 200
    assert gateway_peer(peers, broker.port, "gw-off", passwords["gw-off"]).connected
