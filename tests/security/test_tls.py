"""The optional TLS listener, with certificates made the way docs/operations.md shows (openssl, devstack/tls.py)."""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devstack.mosquitto import BrokerAdmin, MosquittoServer, TlsListener
from devstack.process import free_port
from devstack.tls import make_pki
from i5g.contract import broker_username
from registry.broker import service
from registry.broker.dynsec import BrokerUnavailable, DynsecClient
from tests.security.conftest import Peer


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[MosquittoServer, Path]]:
    pki = make_pki(tmp_path / "pki")
    ca, cert, key = pki.ca_cert, pki.cert, pki.key
    admin = BrokerAdmin("i5g-admin", secrets.token_urlsafe(16))
    server = MosquittoServer(tmp_path / "mosquitto", admin=admin, tls=TlsListener(free_port(), cert, key)).start()
    yield server, ca
    server.stop()


USER = broker_username("gw-tls")


def test_gateway_connects_over_tls_with_the_private_ca(
    tls_broker: tuple[MosquittoServer, Path], peers: Callable[..., Peer]
) -> None:
    server, ca = tls_broker
    assert server.admin is not None and server.tls is not None
    with DynsecClient(
        "127.0.0.1", server.tls.port, server.admin.username, server.admin.password, tls=True, ca_file=ca
    ) as dynsec:
        password = service.provision_gateway(dynsec, "gw-tls")
    gateway = peers(
        server.tls.port,
        USER,
        password,
        USER,
        ca_certs=str(ca),
        cert_reqs=ssl.CERT_REQUIRED,
    )
    assert gateway.connected
    assert not gateway.publish("i5g/v1/gw-tls/telemetry", b"x").is_failure


def test_tls_client_without_the_ca_is_refused(tls_broker: tuple[MosquittoServer, Path]) -> None:
    server, _ = tls_broker
    assert server.admin is not None and server.tls is not None
    # The system trust store does not know our private CA: the handshake fails, nothing is sent.
    with pytest.raises(BrokerUnavailable, match="cannot reach the broker at mqtts://"):
        DynsecClient("127.0.0.1", server.tls.port, server.admin.username, server.admin.password, tls=True).connect()
