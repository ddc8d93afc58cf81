"""Test support for the registry: databases (SQLite and PostgreSQL), an API client with helpers, and a real
uvicorn server in a background thread. Used by tests/registry/ and by the `registry_server` fixture in
tests/conftest.py (collector and stack tests)."""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from devstack.process import free_port

POSTGRES_URL_ENV = "I5G_TEST_POSTGRES_URL"

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}-{secrets.token_hex(2)}"


def enterprise_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": unique("中天钢铁"),
        "name_en": "Zenith Steel",
        "city": "常州",
        "province": "江苏",
        "industry": "钢铁",
        "contact": "张三 0519-0000000",
    }
    body.update(overrides)
    return body


def use_case_body(enterprise_id: int, scenario: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "enterprise_id": enterprise_id,
        "title": "5G+机器视觉钢材表面质检",
        "scenario": scenario,
        "description": "基于5G专网的钢材表面缺陷机器视觉检测",
        "network_mode": "hybrid_private",
        "operators": ["china_mobile"],
        "stage": "operating",
        "review_status": "approved",
        "recognitions": ["江苏省5G工厂"],
        "investment_cny": 12_000_000,
    }
    body.update(overrides)
    return body


class RegistryClient:
    """Calls the registry API as staff (or with any token) and creates records with sensible defaults."""

    def __init__(self, http: httpx.Client, staff_token: str, collector_token: str) -> None:
        self.http = http
        self.staff_token = staff_token
        self.collector_token = collector_token

    def headers(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, *, token: str | None = "staff", **kwargs: Any) -> httpx.Response:
        actual = {"staff": self.staff_token, "collector": self.collector_token}.get(token, token) if token else None
        headers = {**self.headers(actual), **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)

    def _created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.request("POST", path, json=body)
        if response.status_code != 201:
            raise AssertionError(f"POST {path} -> {response.status_code}: {response.text}")
        return response.json()

    def create_enterprise(self, **overrides: Any) -> dict[str, Any]:
        return self._created("/api/v1/enterprises", enterprise_body(**overrides))

    def create_use_case(self, scenario: str = "machine_vision", enterprise_id: int | None = None, **overrides: Any):
        """An APPROVED use case (unless review_status is overridden) for `scenario`."""
        if enterprise_id is None:
            enterprise_id = self.create_enterprise()["id"]
        return self._created("/api/v1/usecases", use_case_body(enterprise_id, scenario, **overrides))

    def create_gateway(self, gateway_id: str | None = None, use_case_id: int | None = None, **overrides: Any):
        if use_case_id is None:
            use_case_id = self.create_use_case()["id"]
        body = {"id": gateway_id or unique("gw"), "use_case_id": use_case_id, "site_name": "一号车间"}
        body.update(overrides)
        return self._created("/api/v1/gateways", body)


# ---- databases ------------------------------------------------------------------------------------------


@dataclass
class TemplateDatabases:
    """A migrated template per database kind; every test gets a cheap copy of it."""

    root: Path
    postgres_admin_url: str | None = None
    _templates: dict[str, str] = field(default_factory=dict)
    _created: list[str] = field(default_factory=list)

    def fresh(self, kind: str) -> str:
        from registry.schema import prepare_database

        name = f"t_{secrets.token_hex(5)}"
        if kind == "sqlite":
            template = self.root / "template.db"
            if "sqlite" not in self._templates:
                prepare_database(f"sqlite:///{template}")
                self._templates["sqlite"] = str(template)
            target = self.root / f"{name}.db"
            shutil.copyfile(template, target)
            return f"sqlite:///{target}"
        if kind == "postgresql":
            if self.postgres_admin_url is None:
                raise RuntimeError("no PostgreSQL server")
            if "postgresql" not in self._templates:
                template_name = f"tmpl_{secrets.token_hex(4)}"
                url = _create_pg_database(self.postgres_admin_url, template_name)
                prepare_database(url)
                self._templates["postgresql"] = template_name
                self._created.append(template_name)
            url = _create_pg_database(self.postgres_admin_url, name, template=self._templates["postgresql"])
            self._created.append(name)
            return url
        raise ValueError(kind)

    def empty(self, kind: str) -> str:
        """A database without any schema (for tests that build an old one themselves)."""
        name = f"e_{secrets.token_hex(5)}"
        if kind == "sqlite":
            return f"sqlite:///{self.root / f'{name}.db'}"
        if kind == "postgresql" and self.postgres_admin_url is not None:
            self._created.append(name)
            return _create_pg_database(self.postgres_admin_url, name)
        raise ValueError(kind)

    def drop_all(self) -> None:
        if self.postgres_admin_url is None:
            return
        for name in reversed(self._created):
            _drop_pg_database(self.postgres_admin_url, name)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _create_pg_database(admin_url: str, name: str, template: str = "template0") -> str:
    import psycopg

    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\'')
    return _with_database(admin_url, name)


def _drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def external_postgres_url() -> str | None:
    """I5G_TEST_POSTGRES_URL: an admin URL (able to CREATE DATABASE) of a server the suite may use."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url or None


def make_tokens(database_url: str) -> tuple[str, str]:
    """A staff and a collector token in that database."""
    from registry.auth.service import create_token
    from registry.db import make_engine, make_sessionmaker, session_scope
    from registry.enums import TokenRole

    engine = make_engine(database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            staff = create_token(session, unique("staff"), TokenRole.staff)[1]
            collector = create_token(session, unique("collector"), TokenRole.collector)[1]
    finally:
        engine.dispose()
    return staff, collector


# ---- a real server --------------------------------------------------------------------------------------


class RegistryServer(RegistryClient):
    """The real registry app served by uvicorn on a free port in a background thread."""

    def __init__(self, database_url: str) -> None:
        import uvicorn

        from registry.app import create_app
        from registry.settings import RegistrySettings

        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(RegistrySettings(database_url=database_url))
        self.app = app  # tests may point app.state at their own servers (e.g. evidence_settings)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", proxy_headers=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="registry-uvicorn", daemon=True)
        staff, collector = make_tokens(database_url)
        super().__init__(httpx.Client(base_url=self.url, timeout=10), staff, collector)

    def start(self, timeout: float = 15.0) -> RegistryServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("registry server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self.http.close()
