"""`i5g broker ...` against a real broker (what compose's broker-setup service and operators run)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from devstack.mosquitto import MosquittoServer
from i5g import contract
from i5g.contract import broker_username
from tests.security.conftest import Peer


def broker_cli(server: MosquittoServer, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    assert server.admin is not None
    full_env = {key: value for key, value in os.environ.items() if not key.startswith("I5G_")}
    full_env.update(
        I5G_BROKER_ADMIN_URL=f"mqtt://127.0.0.1:{server.port}",
        I5G_BROKER_ADMIN_USERNAME=server.admin.username,
        I5G_BROKER_ADMIN_PASSWORD=server.admin.password,
    )
    full_env.update(env)
    command = [sys.executable, "-m", "i5g.cli", "broker", *args]
    return subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=30, check=False)


def test_collector_and_gateway_commands(secure_mosquitto: MosquittoServer, peers: Callable[..., Peer]) -> None:
    done = broker_cli(secure_mosquitto, "collector", I5G_BROKER_COLLECTOR_PASSWORD="collector-secret")
    assert done.returncode == 0, done.stderr
    collector = peers(secure_mosquitto.port, "i5g-collector", "collector-secret", "i5g-collector-x")
    assert not collector.subscribe(contract.shared_subscription("g"))[0].is_failure

    provisioned = broker_cli(secure_mosquitto, "provision", "gw-cli")
    assert provisioned.returncode == 0, provisioned.stderr
    password = provisioned.stdout.strip()
    gateway = peers(secure_mosquitto.port, broker_username("gw-cli"), password, broker_username("gw-cli"))
    gateway.client.reconnect_delay_set(60, 60)
    assert gateway.connected

    assert broker_cli(secure_mosquitto, "revoke", "gw-cli").returncode == 0
    assert not peers(secure_mosquitto.port, broker_username("gw-cli"), password, broker_username("gw-cli")).connected
    missing = broker_cli(secure_mosquitto, "revoke", "gw-unknown")
    assert missing.returncode == 2 and "no identity 'gw-unknown'" in missing.stderr


def test_bad_admin_password_is_one_clear_line(secure_mosquitto: MosquittoServer) -> None:
    result = broker_cli(secure_mosquitto, "provision", "gw-cli", I5G_BROKER_ADMIN_PASSWORD="wrong")
    assert result.returncode == 2
    assert result.stderr.startswith("i5g: error: the broker at mqtt://127.0.0.1:")
    assert "refused the admin login" in result.stderr and "Traceback" not in result.stderr
