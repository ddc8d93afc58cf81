"""Web UI tests against the real app on a migrated temporary SQLite file (TestClient, no network)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from registry.accounts.models import UserRole
from registry.accounts.service import create_user
from registry.app import create_app
from registry.db import transaction
from registry.enterprises.schemas import EnterpriseCreate
from registry.enterprises.service import create_enterprise
from registry.enums import LifecycleStage, NetworkMode, ReviewStatus
from registry.settings import RegistrySettings
from registry.usecases.schemas import UseCaseCreate
from registry.usecases.service import create_use_case
from tests.registry.conftest import template_databases  # noqa: F401  (one PostgreSQL server per session)
from tests.registry.support import TemplateDatabases

PASSWORD = "correct horse battery"
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


@dataclass
class Registry:
    app: FastAPI

    def session(self) -> Iterator[Session]:
        return transaction(self.app.state.sessionmaker)

    def run(self, fn: Callable[[Session], Any]) -> Any:
        """fn in one committed transaction (the loop must finish for transaction() to commit)."""
        result = None
        for session in self.session():
            result = fn(session)
        return result

    def enterprise(self, name: str = "中天钢铁", city: str = "常州", industry: str = "钢铁") -> int:
        data = EnterpriseCreate(name=name, city=city, province="江苏", industry=industry)
        return int(self.run(lambda s: create_enterprise(s, data).id))

    def user(self, email: str, role: UserRole = UserRole.enterprise, enterprise_id: int | None = None) -> int:
        return int(self.run(lambda s: create_user(s, email, PASSWORD, role, enterprise_id).id))

    def use_case(
        self, enterprise_id: int, title: str = "5G+机器视觉质检", status: ReviewStatus = ReviewStatus.approved, **extra
    ) -> int:
        fields = {"scenario": "machine_vision", "network_mode": NetworkMode.vpn, "stage": LifecycleStage.operating}
        data = UseCaseCreate(enterprise_id=enterprise_id, title=title, review_status=status, **{**fields, **extra})
        return int(self.run(lambda s: create_use_case(s, data).id))


# Modules that run on both databases say so with `pytestmark = BOTH_DATABASES`; the rest use SQLite.
BOTH_DATABASES = pytest.mark.parametrize(
    "registry", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def registry(request: pytest.FixtureRequest, template_databases: TemplateDatabases) -> Iterator[Registry]:  # noqa: F811
    """The real app on a fresh copy of a migrated database (SQLite unless parametrized)."""
    url = template_databases.fresh(getattr(request, "param", "sqlite"))
    app = create_app(RegistrySettings(database_url=url, grafana_url="http://grafana.example:3000"))
    yield Registry(app)
    app.state.engine.dispose()


@pytest.fixture
def client(registry: Registry) -> Iterator[TestClient]:
    with TestClient(registry.app, headers={"Accept-Language": "zh-CN,zh;q=0.9"}) as c:
        yield c


def login(client: TestClient, email: str, password: str = PASSWORD) -> object:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})
