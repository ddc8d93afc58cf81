"""Issue 16 items 9 and 11: password guessing is slowed per (account, address), per address and per account,
with exponential backoff instead of a hard lock, so nobody can lock a reviewer out from elsewhere; the
password-change form is throttled the same way; the counters live in the database, shared by every worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from registry.accounts.models import UserRole
from registry.web.settings import WebSettings
from tests.registry.conftest import template_databases  # noqa: F401  (PostgreSQL per session)
from tests.registry.support import TemplateDatabases
from tests.security.auth_support import ENTERPRISE_EMAIL, STAFF_EMAIL, database_url_of, logged_in, login
from tests.web.conftest import PASSWORD, Registry, csrf_of

WRONG = "not-the-password"
# Small limits keep the test short (every guess costs an argon2 verification); the logic is the same.
SMALL = {"login_max_failures": 3, "login_address_max_failures": 6, "login_account_max_failures": 8}
LIMITS = WebSettings(**SMALL)


@pytest.fixture(autouse=True)
def _small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SMALL.items():
        monkeypatch.setenv(f"I5G_WEB_{name.upper()}", str(value))


class Clock:
    """The throttle's clock, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _clock(registry: Registry) -> Clock:
    clock = Clock()
    registry.app.state.login_throttle.clock = clock
    return clock


def _retry_after(response: object) -> int:
    assert response.status_code == 429, response.status_code  # type: ignore[attr-defined]
    return int(response.headers["retry-after"])  # type: ignore[attr-defined]


def test_an_attacker_elsewhere_cannot_lock_the_reviewer_out(browser_at: Callable[..., TestClient]) -> None:
    attacker = browser_at("203.0.113.9")
    for _ in range(LIMITS.login_max_failures):
        assert login(attacker, STAFF_EMAIL, WRONG).status_code == 401
    assert login(attacker, STAFF_EMAIL).status_code == 429  # the attacker's own address is slowed ...
    reviewer = browser_at("198.51.100.20")
    assert login(reviewer, STAFF_EMAIL).status_code == 303  # ... the reviewer, elsewhere, is not


def test_backoff_doubles_and_is_not_a_lock(auth_registry: Registry, browser_at: Callable[..., TestClient]) -> None:
    clock = _clock(auth_registry)
    client = browser_at("203.0.113.9")
    for _ in range(LIMITS.login_max_failures):
        assert login(client, STAFF_EMAIL, WRONG).status_code == 401
    waits = [_retry_after(login(client, STAFF_EMAIL))]
    for _ in range(2):
        clock.advance(waits[-1])
        assert login(client, STAFF_EMAIL, WRONG).status_code == 401  # one more guess once the wait is over
        waits.append(_retry_after(login(client, STAFF_EMAIL)))
    assert waits == [LIMITS.login_backoff_seconds * 2**k for k in range(3)]
    clock.advance(waits[-1])
    assert login(client, STAFF_EMAIL).status_code == 303  # the right password works once the wait is over


def test_one_address_trying_many_accounts_is_slowed(browser_at: Callable[..., TestClient]) -> None:
    client = browser_at("203.0.113.9")
    for n in range(LIMITS.login_address_max_failures):
        assert login(client, f"guess{n}@example.cn", WRONG).status_code == 401
    assert login(client, "guess-next@example.cn", WRONG).status_code == 429
    assert login(browser_at("198.51.100.20"), "guess-next@example.cn", WRONG).status_code == 401


def test_many_addresses_on_one_account_slow_strangers_but_not_its_known_address(
    auth_registry: Registry, browser_at: Callable[..., TestClient]
) -> None:
    reviewer = browser_at("198.51.100.20")
    assert login(reviewer, STAFF_EMAIL).status_code == 303  # the reviewer's usual address
    for n in range(LIMITS.login_account_max_failures):
        assert login(browser_at(f"203.0.113.{n + 1}"), STAFF_EMAIL, WRONG).status_code == 401
    stranger = browser_at("192.0.2.200")
    assert _retry_after(login(stranger, STAFF_EMAIL, WRONG)) <= LIMITS.login_account_backoff_max_seconds
    assert login(browser_at("198.51.100.20"), STAFF_EMAIL).status_code == 303


def test_the_counters_are_shared_by_registry_workers(
    auth_registry: Registry, make_registry: Callable[..., Registry], browser_at: Callable[..., TestClient]
) -> None:
    other_worker = make_registry(database_url=database_url_of(auth_registry))
    first, second = browser_at("203.0.113.9"), browser_at("203.0.113.9", registry=other_worker)
    for n in range(LIMITS.login_max_failures):
        assert login(first if n % 2 else second, STAFF_EMAIL, WRONG).status_code == 401
    assert login(first, STAFF_EMAIL).status_code == 429
    assert login(second, STAFF_EMAIL).status_code == 429


def _change_password(client: TestClient, current: str) -> object:
    token = csrf_of(client.get("/account/password").text)
    new = "another-password-77"
    data = {"current_password": current, "new_password": new, "repeat_password": new, "csrf_token": token}
    return client.post("/account/password", data=data)


def test_password_change_form_is_throttled(auth_registry: Registry, browser_at: Callable[..., TestClient]) -> None:
    clock = _clock(auth_registry)
    client = browser_at("198.51.100.30")
    assert login(client, ENTERPRISE_EMAIL).status_code == 303
    for _ in range(LIMITS.login_max_failures):
        assert _change_password(client, WRONG).status_code == 400
    blocked = _change_password(client, PASSWORD)  # even the right current password waits
    assert _retry_after(blocked) == LIMITS.login_backoff_seconds
    assert logged_in(client)  # slowed, not logged out
    clock.advance(LIMITS.login_backoff_seconds)
    assert _change_password(client, PASSWORD).status_code == 303


@pytest.mark.postgres
def test_counters_and_sessions_on_postgresql(
    template_databases: TemplateDatabases,  # noqa: F811
    make_registry: Callable[..., Registry],
    browser_at: Callable[..., TestClient],
) -> None:
    """Production runs PostgreSQL: the counters' row locks and savepoints, and the session rows, there too."""
    registry = make_registry(database_url=template_databases.fresh("postgresql"))
    registry.user(STAFF_EMAIL, UserRole.staff)
    other_worker = make_registry(database_url=database_url_of(registry))
    first, second = browser_at("203.0.113.9", registry=registry), browser_at("203.0.113.9", registry=other_worker)
    for n in range(LIMITS.login_max_failures):
        assert login(first if n % 2 else second, STAFF_EMAIL, WRONG).status_code == 401
    assert login(second, STAFF_EMAIL).status_code == 429
    reviewer = browser_at("198.51.100.20", registry=registry)
    assert login(reviewer, STAFF_EMAIL).status_code == 303
    assert logged_in(reviewer)
    reviewer.post("/logout", data={"csrf_token": csrf_of(reviewer.get("/account/password").text)})
    assert not logged_in(reviewer)
