"""Issue 16 item 10: X-Forwarded-For is believed only from configured proxies. The first test runs the real
`i5g registry serve` (what `i5g stack up` runs) and rotates the header to dodge the per-address login limit;
the second shows that a configured proxy's header is used, right to left, so a client cannot prepend its own."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from devstack.http import http_ok
from devstack.process import ManagedProcess, free_port
from registry.accounts.models import UserRole
from tests.registry.support import TemplateDatabases
from tests.security.auth_support import STAFF_EMAIL, login
from tests.web.conftest import Registry, csrf_of

WRONG = "not-the-password"
ADDRESS_LIMIT = 2  # I5G_WEB_LOGIN_ADDRESS_MAX_FAILURES for these tests (small: each guess costs an argon2 hash)


@pytest.fixture
def served_registry(
    tmp_path: Path, make_registry: Callable[..., Registry], auth_databases: TemplateDatabases
) -> Iterator[str]:
    """`i5g registry serve` as the local stack starts it (no proxy configured), on a database with a staff user."""
    database_url = auth_databases.fresh("sqlite")
    make_registry(database_url=database_url).user(STAFF_EMAIL, UserRole.staff)
    port = free_port()
    env = {
        "I5G_DATABASE_URL": database_url,
        "I5G_WEB_LOGIN_ADDRESS_MAX_FAILURES": str(ADDRESS_LIMIT),
        "PATH": "/usr/bin:/bin",  # no I5G_* from the test run (I5G_ALLOWED_HOSTS): the defaults are served
    }
    url = f"http://127.0.0.1:{port}"
    process = ManagedProcess(
        "registry",
        [sys.executable, "-m", "i5g.cli", "registry", "serve", "--host", "127.0.0.1", "--port", str(port)],
        tmp_path / "registry.log",
        ready=lambda: http_ok(f"{url}/healthz"),
        env=env,
        ports=[port],
    )
    process.start()
    try:
        yield url
    finally:
        process.stop()


def test_rotating_x_forwarded_for_does_not_reset_the_address_limit(served_registry: str) -> None:
    with httpx.Client(base_url=served_registry, timeout=10) as client:
        # By default the served registry also refuses a Host it does not know (item 13).
        assert client.get("/my/usecases", headers={"Host": "evil.example"}).status_code == 400
        statuses = []
        for n in range(ADDRESS_LIMIT + 2):
            forged = {"X-Forwarded-For": f"192.0.2.{n + 1}"}
            token = csrf_of(client.get("/login", headers=forged).text)
            data = {"email": f"spray{n}@example.cn", "password": WRONG, "csrf_token": token}
            statuses.append(client.post("/login", data=data, headers=forged).status_code)
    assert statuses == [401] * ADDRESS_LIMIT + [429, 429], statuses


def test_a_configured_proxy_is_believed_right_to_left(
    make_registry: Callable[..., Registry],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("I5G_WEB_LOGIN_ADDRESS_MAX_FAILURES", str(ADDRESS_LIMIT))
    registry = make_registry(trusted_proxies=["10.0.0.0/8"])

    def attempts(peer: str, forwarded: str, n: int) -> list[int]:
        with TestClient(registry.app, client=(peer, 40000), follow_redirects=False) as client:
            header = {"X-Forwarded-For": forwarded}
            return [login(client, f"spray{i}@example.cn", WRONG, **header).status_code for i in range(n)]

    # The proxy appends the address it saw (203.0.113.9); what the client put in front of it is ignored.
    assert attempts("10.0.0.2", "1.1.1.1, 203.0.113.9", ADDRESS_LIMIT) == [401] * ADDRESS_LIMIT
    assert attempts("10.0.0.2", "8.8.8.8, 203.0.113.9", 1) == [429]
    assert attempts("10.0.0.2", "203.0.113.10, 10.0.0.7", 1) == [401]  # chained proxies are skipped
    # An untrusted peer's header is ignored: its own address is what counts.
    assert attempts("198.51.100.4", "203.0.113.11", ADDRESS_LIMIT) == [401] * ADDRESS_LIMIT
    assert attempts("198.51.100.4", "203.0.113.12", 1) == [429]
