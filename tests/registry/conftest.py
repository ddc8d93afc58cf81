"""Registry fixtures: every test runs on SQLite and on PostgreSQL.

PostgreSQL: one throw-away server per test session (devstack.postgres, Debian's binaries; as the
`postgres` user when we are root), unless I5G_TEST_POSTGRES_URL names a server to use. Each test gets its
own database, copied from a migrated template (migrations are still the only way the schema is created).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from devstack.postgres import PostgresServer
from tests.registry.support import RegistryClient, TemplateDatabases, external_postgres_url, make_tokens


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemplateDatabases]:
    root = tmp_path_factory.mktemp("registry-db")
    external = external_postgres_url()
    server = None
    if external is None:
        server = PostgresServer().start()
        admin_url = server.admin_url
    else:
        admin_url = external
    databases = TemplateDatabases(root, admin_url)
    try:
        yield databases
    finally:
        databases.drop_all()
        if server is not None:
            server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, template_databases: TemplateDatabases) -> str:
    return template_databases.fresh(request.param)


@pytest.fixture(scope="session")
def registry_app(template_databases: TemplateDatabases) -> FastAPI:
    """One app for the session (building the routes is slow); each test rebinds it to its own database."""
    from registry.app import create_app
    from registry.settings import RegistrySettings

    return create_app(RegistrySettings(database_url=template_databases.fresh("sqlite")))


@pytest.fixture
def api(registry_app: FastAPI, database_url: str) -> Iterator[RegistryClient]:
    from registry.app import bind_database

    bind_database(registry_app, database_url)
    staff, collector = make_tokens(database_url)
    with TestClient(registry_app, raise_server_exceptions=False) as client:
        yield RegistryClient(client, staff, collector)


@pytest.fixture
def sqlite_url(template_databases: TemplateDatabases) -> str:
    return template_databases.fresh("sqlite")


@pytest.fixture
def tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
