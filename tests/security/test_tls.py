"""The optional TLS listener, with certificates made the way docs/operations.md shows (openssl)."""

from __future__ import annotations

import secrets
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from i5g.stack.mosquitto import BrokerAdmin, MosquittoServer, TlsListener
from i5g.stack.process import free_port
from registry.broker import service
from registry.broker.dynsec import BrokerUnavailable, DynsecClient
from tests.security.conftest import Peer


def openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def make_ca_and_server_cert(root: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a broker certificate for 127.0.0.1/localhost (docs/operations.md "TLS")."""
    root.mkdir(parents=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=i5g test CA",
            "-keyout", "ca.key", "-out", "ca.crt", cwd=root)  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "broker.key", "-out", "broker.csr", cwd=root)  # fmt: skip
    (root / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "san.ext", "-out", "broker.crt", cwd=root)  # fmt: skip
    return root / "ca.crt", root / "broker.crt", root / "broker.key"


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[MosquittoServer, Path]]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing: install Debian's openssl package")
    ca, cert, key = make_ca_and_server_cert(tmp_path / "pki")
    admin = BrokerAdmin("i5g-admin", secrets.token_urlsafe(16))
    server = MosquittoServer(tmp_path / "mosquitto", admin=admin, tls=TlsListener(free_port(), cert, key)).start()
    yield server, ca
    server.stop()


def test_gateway_connects_over_tls_with_the_private_ca(
    tls_broker: tuple[MosquittoServer, Path], peers: Callable[..., Peer]
) -> None:
    server, ca = tls_broker
    assert server.admin is not None and server.tls is not None
    with DynsecClient(
        "127.0.0.1", server.tls.port, server.admin.username, server.admin.password, tls=True, ca_file=ca
    ) as dynsec:
        password = service.provision_gateway(dynsec, "gw-tls")
    gateway = peers(server.tls.port, "gw-tls", password, "gw-tls", ca_certs=str(ca), cert_reqs=ssl.CERT_REQUIRED)
    assert gateway.connected
    assert not gateway.publish("i5g/v1/gw-tls/telemetry", b"x").is_failure


def test_tls_client_without_the_ca_is_refused(tls_broker: tuple[MosquittoServer, Path]) -> None:
    server, _ = tls_broker
    assert server.admin is not None and server.tls is not None
    # The system trust store does not know our private CA: the handshake fails, nothing is sent.
    with pytest.raises(BrokerUnavailable, match="cannot reach the broker at mqtts://"):
        DynsecClient("127.0.0.1", server.tls.port, server.admin.username, server.admin.password, tls=True).connect()
