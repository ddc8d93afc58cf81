"""Shared fixtures: every test that needs a server starts its own on a free port in a temp dir.

- `mosquitto`: an anonymous broker (persistence on); `secure_mosquitto`: with the dynamic-security plugin;
  `tls_mosquitto`: anonymous, with a TLS listener (self-signed certificate) beside the plain one.
- `influxdb`: Debian's InfluxDB 1.x, with `influxdb.v2_url` pointing at a /api/v2/write translating proxy.
- PostgreSQL for the registry lives in tests/registry/conftest.py.
- `registry_server`: the real registry under uvicorn with a temp SQLite database, tokens and API helpers;
  `registry_with_broker`: the same, provisioning gateways on `secure_mosquitto`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from devstack.influxdb import InfluxDBServer
from devstack.mosquitto import BrokerAdmin, MosquittoServer
from devstack.process import free_port
from i5g.influx.v2proxy import InfluxV2Proxy
from tests.tls import self_signed

if TYPE_CHECKING:  # the registry extra is only imported by the fixture that needs it
    from tests.registry.support import RegistryServer

REPO_ROOT = Path(__file__).resolve().parent.parent
# Starlette's TestClient sends "Host: testserver"; the registry answers only I5G_ALLOWED_HOSTS (default: the
# local names), so the in-process tests add that name. Tests of the Host guard set their own list.
os.environ.setdefault("I5G_ALLOWED_HOSTS", '["localhost", "127.0.0.1", "::1", "testserver"]')
# CI puts shared/ beside the checkout; a developer's worktree may sit elsewhere, so it can be overridden.
SHARED_DIR = Path(os.environ.get("I5G_SHARED_DIR", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.fail(f"{SHARED_DIR} is missing: CI has shared/ beside the checkout (or set I5G_SHARED_DIR)")
    return SHARED_DIR


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[MosquittoServer]:
    server = MosquittoServer(tmp_path / "mosquitto").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def secure_mosquitto(tmp_path: Path) -> Iterator[MosquittoServer]:
    admin = BrokerAdmin("i5g-admin", secrets.token_urlsafe(16))
    server = MosquittoServer(tmp_path / "mosquitto", admin=admin).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class TlsBroker:
    server: MosquittoServer  # `server.port` is the plain listener
    tls_port: int
    ca_file: Path  # the broker's self-signed certificate


@pytest.fixture
def tls_mosquitto(tmp_path: Path) -> Iterator[TlsBroker]:
    cert, key = self_signed(tmp_path / "tls")
    tls_port = free_port()
    server = MosquittoServer(
        tmp_path / "mosquitto", extra_config=f"listener {tls_port} 127.0.0.1\ncertfile {cert}\nkeyfile {key}"
    ).start()
    try:
        yield TlsBroker(server, tls_port, cert)
    finally:
        server.stop()


@dataclass
class InfluxHandle:
    server: InfluxDBServer
    proxy: InfluxV2Proxy
    database: str

    @property
    def url(self) -> str:  # InfluxQL /query and v1 /write
        return self.server.url

    @property
    def v2_url(self) -> str:  # what influxdb-client talks to
        return self.proxy.url

    def query(self, q: str) -> dict:
        return self.server.query(q, db=self.database)

    def series_values(self, q: str) -> list[list]:
        """All rows of every series a query returns."""
        rows: list[list] = []
        for result in self.query(q).get("results", []):
            if "error" in result:
                raise AssertionError(f"InfluxQL error for {q!r}: {result['error']}")
            for series in result.get("series", []):
                rows.extend(series.get("values", []))
        return rows


@pytest.fixture(scope="session")
def influxdb_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxDBServer]:
    # One InfluxDB per test session (it takes seconds to start); tests isolate by database name.
    server = InfluxDBServer(tmp_path_factory.mktemp("influxdb")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def influxdb(influxdb_session: InfluxDBServer) -> Iterator[InfluxHandle]:
    database = f"t_{secrets.token_hex(4)}"
    influxdb_session.create_database(database)
    proxy = InfluxV2Proxy(influxdb_session.url).start()
    try:
        yield InfluxHandle(influxdb_session, proxy, database)
    finally:
        proxy.stop()
        influxdb_session.query(f'DROP DATABASE "{database}"')


@pytest.fixture
def registry_server(tmp_path: Path) -> Iterator[RegistryServer]:
    """The real registry app under uvicorn on a free port, with a fresh migrated SQLite database.

    .url, .staff_token, .collector_token, .database_url, .http (an httpx.Client on .url) and helpers that call
    the API as staff: .create_enterprise(**fields), .create_use_case(scenario_key, enterprise_id=None,
    **fields) (APPROVED unless review_status is given), .create_gateway(gateway_id=None, use_case_id=None,
    **fields), .request(method, path, token="staff"|"collector"|None|<token>, **httpx_kwargs).
    """
    from registry.schema import prepare_database
    from tests.registry.support import RegistryServer

    url = f"sqlite:///{tmp_path / 'registry.db'}"
    prepare_database(url)
    server = RegistryServer(url).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def registry_with_broker(
    registry_server: RegistryServer, secure_mosquitto: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> RegistryServer:
    # The registry runs in this process (uvicorn thread) and reads the broker settings at each change.
    assert secure_mosquitto.admin is not None
    monkeypatch.setenv("I5G_BROKER_ADMIN_URL", f"mqtt://127.0.0.1:{secure_mosquitto.port}")
    monkeypatch.setenv("I5G_BROKER_ADMIN_USERNAME", secure_mosquitto.admin.username)
    monkeypatch.setenv("I5G_BROKER_ADMIN_PASSWORD", secure_mosquitto.admin.password)
    return registry_server


@pytest.fixture
def own_influx(tmp_path: Path) -> Iterator[tuple[InfluxDBServer, InfluxV2Proxy]]:
    """A dedicated InfluxDB (database "tele") behind its own v2 proxy, for tests that stop or kill it: the
    session-scoped one is shared and must keep running."""
    server = InfluxDBServer(tmp_path / "own-influx").start()
    server.create_database("tele")
    proxy = InfluxV2Proxy(server.url).start()
    try:
        yield server, proxy
    finally:
        proxy.stop()
        server.stop()
