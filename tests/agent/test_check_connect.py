"""`i5g agent check` logs in to a real Mosquitto (dynamic security, plain and TLS listeners) the way the agent
will, and names the failing step: DNS, refused, TLS/CA, bad password, not authorised."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.mosquitto import BrokerAdmin, MosquittoServer, TlsListener
from devstack.process import free_port
from registry.broker.dynsec import DynsecClient
from registry.broker.service import provision_gateway, revoke_gateway
from tests.agent.conftest import I5G
from tests.tls import self_signed

GATEWAY = "gw-check-01"


@dataclass
class Broker:
    server: MosquittoServer
    tls_port: int
    ca_file: Path
    password: str
    admin: BrokerAdmin


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    cert, key = self_signed(tmp_path / "tls")
    admin = BrokerAdmin("i5g-admin", secrets.token_urlsafe(16))
    tls = TlsListener(free_port(), cert, key)
    server = MosquittoServer(tmp_path / "mosquitto", admin=admin, tls=tls).start()
    password = secrets.token_urlsafe(24)
    try:
        with DynsecClient("127.0.0.1", server.port, admin.username, admin.password) as dynsec:
            provision_gateway(dynsec, GATEWAY, password=password, pin_client_id=True)
        yield Broker(server, tls.port, cert, password, admin)
    finally:
        server.stop()


def check(tmp_path: Path, port: int, password: str, *, host: str = "127.0.0.1", tls: str = "") -> tuple[int, str]:
    secret = tmp_path / "mqtt-password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    config = tmp_path / "agent.toml"
    config.write_text(
        f'[agent]\ngateway_id = "{GATEWAY}"\nstate_dir = "{tmp_path / "state"}"\n'
        f'[agent.mqtt]\nhost = "{host}"\nport = {port}\npassword_file = "{secret}"\nconnect_timeout_s = 3\n'
        f"[agent.sources.simulated]\nenabled = true\n{tls}"
    )
    result = subprocess.run(
        [I5G, "agent", "check", "--config", str(config)], capture_output=True, text=True, timeout=60
    )
    return result.returncode, result.stdout + result.stderr


def tls_table(ca_file: Path) -> str:
    return f'[agent.mqtt.tls]\nenabled = true\nca_file = "{ca_file}"\n'


def test_good_credentials_pass_on_plain_and_tls(broker: Broker, tmp_path: Path) -> None:
    status, out = check(tmp_path, broker.server.port, broker.password)
    assert status == 0, out
    assert f"mqtt: ok CONNECT as gw.{GATEWAY} accepted" in out

    status, out = check(tmp_path, broker.tls_port, broker.password, tls=tls_table(broker.ca_file))
    assert status == 0, out
    assert "tls: ok" in out and "certificate verified" in out
    assert "mqtt: ok" in out


def test_each_failure_names_its_step(broker: Broker, tmp_path: Path) -> None:
    status, out = check(tmp_path, broker.server.port, "wrong-password")
    assert status == 1 and "mqtt: FAILED" in out and "login refused: either the password is wrong" in out, out

    status, out = check(tmp_path, broker.server.port, broker.password, host="no-such-host.invalid")
    assert status == 1 and "dns: FAILED cannot resolve 'no-such-host.invalid'" in out, out

    closed = free_port()
    status, out = check(tmp_path, closed, broker.password)
    assert status == 1 and f"tcp: FAILED 127.0.0.1:{closed} refused the connection" in out, out

    other_ca, _ = self_signed(tmp_path / "other")
    status, out = check(tmp_path, broker.tls_port, broker.password, tls=tls_table(other_ca))
    assert status == 1 and "tls: FAILED certificate not accepted" in out and "ca_file" in out, out
    assert "mqtt:" not in out  # no login attempt once TLS failed

    # TLS client against the plain listener: a handshake failure, not a certificate one.
    status, out = check(tmp_path, broker.server.port, broker.password, tls=tls_table(broker.ca_file))
    assert status == 1 and "tls: FAILED handshake failed" in out, out

    # A gateway disabled in the registry (dynsec disableClient).
    with DynsecClient("127.0.0.1", broker.server.port, broker.admin.username, broker.admin.password) as dynsec:
        assert revoke_gateway(dynsec, GATEWAY)
    status, out = check(tmp_path, broker.server.port, broker.password)
    assert status == 1 and "mqtt: FAILED" in out and "disabled or deleted in the registry" in out, out


def test_example_config_reads_its_password_file_outside_systemd() -> None:
    """The example names the root-only file check can read; the unit points the service at its credential."""
    example = (Path(__file__).resolve().parents[2] / "deploy" / "agent.example.toml").read_text()
    assert 'password_file = "/etc/i5g/mqtt-password"' in example
    unit = (Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "i5g-agent.service").read_text()
    assert "LoadCredential=mqtt-password:/etc/i5g/mqtt-password" in unit
    assert "Environment=I5G_AGENT_MQTT__PASSWORD_FILE=%d/mqtt-password" in unit
