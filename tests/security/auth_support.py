"""Fixtures for the web login/session security tests: the real registry app (TestClient) on a fresh migrated
SQLite database, built with the settings a test names, and browsers "at" chosen client addresses."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from registry.accounts import passwords
from registry.accounts.models import UserRole
from registry.app import bind_database, create_app
from registry.settings import RegistrySettings
from registry.web.throttle import PasswordThrottle
from tests.registry.support import TemplateDatabases
from tests.web.conftest import PASSWORD, Registry, csrf_of

STAFF_EMAIL = "reviewer@bureau.gov.cn"
ENTERPRISE_EMAIL = "ops@example.cn"
# TestClient's Host header; the forged-Host tests send others.
TEST_HOST = "testserver"
SECRET_KEY = "sec-auth-tests-session-signing-key"


_APPS: dict[tuple[str, ...], FastAPI] = {}


def _app_for(settings: RegistrySettings, in_use: list[FastAPI]) -> FastAPI:
    """One app per distinct configuration, rebound to each test's database (building the routes takes a
    second), with a fresh password throttle. An app this test already uses (a second "worker" on the same
    configuration) is never handed out twice."""
    web_env = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("I5G_WEB_")]
    key = (settings.model_dump_json(exclude={"database_url"}), settings.secret_key.get_secret_value(), *web_env)
    app = _APPS.get(key)
    if app is None or app in in_use:
        app = create_app(settings)
        _APPS.setdefault(key, app)
        return app
    bind_database(app, settings.database_url)
    app.state.login_throttle = PasswordThrottle(app.state.web_settings)
    return app


@pytest.fixture(scope="session")
def auth_databases(tmp_path_factory: pytest.TempPathFactory) -> TemplateDatabases:
    """Copies of one migrated SQLite template (these tests need no PostgreSQL server)."""
    return TemplateDatabases(tmp_path_factory.mktemp("auth-db"))


@pytest.fixture
def make_registry(
    auth_databases: TemplateDatabases, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Registry]]:
    """`make_registry(**settings)`: the real app with those RegistrySettings, on a fresh database. Several
    apps on one database stand for several registry worker processes.

    argon2id runs with small cost parameters here: these tests check many passwords on a shared machine, and
    what they prove (sessions, throttling, redirects) does not depend on the hash's cost."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("not-a-real-password-just-for-timing"))
    apps: list[FastAPI] = []

    def make(database_url: str | None = None, **settings: Any) -> Registry:
        settings.setdefault("allowed_hosts", [TEST_HOST])
        settings.setdefault("secret_key", SECRET_KEY)
        url = database_url or auth_databases.fresh("sqlite")
        app = _app_for(RegistrySettings(database_url=url, **settings), apps)
        apps.append(app)
        return Registry(app)

    yield make
    for app in apps:
        app.state.engine.dispose()


@pytest.fixture
def auth_registry(make_registry: Callable[..., Registry]) -> Registry:
    """A registry with one staff and one enterprise account (both with tests.web.conftest.PASSWORD)."""
    registry = make_registry()
    registry.user(STAFF_EMAIL, UserRole.staff)
    registry.user(ENTERPRISE_EMAIL, enterprise_id=registry.enterprise())
    return registry


@pytest.fixture
def browser_at(auth_registry: Registry) -> Iterator[Callable[..., TestClient]]:
    """`browser_at("198.51.100.7")`: a cookie-keeping client whose TCP peer address is the one given."""
    opened: list[TestClient] = []

    def make(address: str = "198.51.100.7", registry: Registry | None = None) -> TestClient:
        app = (registry or auth_registry).app
        client = TestClient(app, client=(address, 40000), follow_redirects=False).__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def login(client: TestClient, email: str, password: str = PASSWORD, **headers: str) -> Any:
    token = csrf_of(client.get("/login", headers=headers).text)
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/login", data=data, headers=headers)


def logged_in(client: TestClient) -> bool:
    """True when the client's cookie opens a page that needs a login (else it is sent to the login page)."""
    response = client.get("/account/password")
    return response.status_code == 200


def database_url_of(registry: Registry) -> str:
    """The database the app is bound to now (apps are reused across tests, so not its settings' URL)."""
    return registry.app.state.engine.url.render_as_string(hide_password=False)
