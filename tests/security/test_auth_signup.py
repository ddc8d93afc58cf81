"""Issue 16 item 12: sign-up does not tell whether an e-mail (a staff member's, say) already has an account.
The answer to a taken e-mail and to a new one is the same: status, redirect, cookies, the page shown next,
and the same work (one argon2 hash, counted) so the timing class is the same too."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from registry.accounts import passwords
from registry.accounts.models import User
from tests.security.auth_support import STAFF_EMAIL, logged_in, login
from tests.web.conftest import PASSWORD, Registry, csrf_of

NEW_EMAIL = "new.person@example.cn"
ATTACKER_PASSWORD = "attacker-password-1"
_VARYING = re.compile(r'(name="csrf_token" value=")[^"]+|(name="email"[^>]*value=")[^"]*')


class CountingHasher(PasswordHasher):
    """argon2id (cheap parameters) that counts its hashes: the work a sign-up does, which sets its timing class."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.hashes = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashes += 1
        return super().hash(password, salt=salt)


def _signup(client: TestClient, email: str, n: int, hasher: CountingHasher) -> tuple[str, str, int]:
    """(status + location + cookies, the next page with tokens blanked, argon2 hashes) for a sign-up."""
    token = csrf_of(client.get("/signup").text)
    data = {
        "email": email,
        "password": ATTACKER_PASSWORD,
        "name": f"探测企业{n}",
        "province": "江苏",
        "city": "常州",
        "industry": "装备制造",
        "industry_code": "C35",
        "csrf_token": token,
    }
    before = hasher.hashes
    response = client.post("/signup", data=data)
    work = hasher.hashes - before
    outcome = f"{response.status_code} {response.headers.get('location')} {sorted(response.cookies.keys())}"
    follow = client.get(response.headers["location"]) if "location" in response.headers else response
    return outcome, _VARYING.sub(r"\1\2", follow.text), work


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def test_signup_answers_the_same_for_a_taken_and_a_new_email(
    auth_registry: Registry, browser_at: Callable[..., TestClient], hasher: CountingHasher
) -> None:
    taken = [_signup(browser_at(f"203.0.113.{n}"), STAFF_EMAIL, n, hasher) for n in (1, 2)]
    fresh = [_signup(browser_at(f"203.0.113.{n}"), f"{n}{NEW_EMAIL}", n, hasher) for n in (3, 4)]
    assert {t[0] for t in taken} == {f[0] for f in fresh}, (taken[0][0], fresh[0][0])
    assert taken[0][1] == fresh[0][1]
    # The same work on both paths (one argon2 hash, which dominates a sign-up's time): the same timing class.
    assert [t[2] for t in taken] == [f[2] for f in fresh] == [1, 1]

    # Nothing was taken over: the staff account keeps its password, the attacker's does not open it.
    hashes = auth_registry.run(lambda s: s.scalars(select(User.password_hash).where(User.email == STAFF_EMAIL)).all())
    assert len(hashes) == 1
    assert login(browser_at("198.51.100.50"), STAFF_EMAIL, ATTACKER_PASSWORD).status_code == 401
    assert login(browser_at("198.51.100.51"), STAFF_EMAIL, PASSWORD).status_code == 303


def test_a_new_account_logs_in_after_signing_up(browser_at: Callable[..., TestClient], hasher: CountingHasher) -> None:
    client = browser_at()
    _signup(client, NEW_EMAIL, 1, hasher)
    assert login(client, NEW_EMAIL, ATTACKER_PASSWORD).status_code == 303
    assert logged_in(client)
