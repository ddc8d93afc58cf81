"""Issue 16 item 13: a forged Host header never reaches a Location header. Two guards, each tested: the
allowed-hosts check refuses unknown Host values, and every redirect the site makes is a relative path, so
even a deployment that allows any Host ("*") does not reflect it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.security.auth_support import ENTERPRISE_EMAIL, login
from tests.web.conftest import PASSWORD, Registry, csrf_of

FORGED = "evil.example"


def _redirects(client: TestClient, host: str) -> dict[str, str]:
    """Every redirecting route of the site, requested with `host`: route -> status and Location."""
    seen: dict[str, str] = {}

    def note(name: str, response: object) -> None:
        seen[name] = f"{response.status_code} {response.headers.get('location', '')}"  # type: ignore[attr-defined]

    headers = {"Host": host}
    note("GET /my/usecases (anonymous)", client.get("/my/usecases", headers=headers))
    note("GET /review (anonymous)", client.get("/review", headers=headers))
    note("GET /my/usecases/ (trailing slash)", client.get("/my/usecases/", headers=headers))
    note("GET /lang/en", client.get("/lang/en", headers=headers))
    signup = {"email": "someone@example.cn", "password": "a-long-password-1", "name": "主机头测试企业"}
    signup |= {"province": "江苏", "city": "常州", "industry": "装备制造", "industry_code": "C35"}
    signup["csrf_token"] = csrf_of(client.get("/signup").text)
    note("POST /signup", client.post("/signup", data=signup, headers=headers))
    form = {"email": ENTERPRISE_EMAIL, "password": PASSWORD, "csrf_token": csrf_of(client.get("/login").text)}
    note("POST /login", client.post("/login", data=form, headers=headers))
    if not seen["POST /login"].startswith("3"):  # refused: log in under the right name to go on
        assert login(client, ENTERPRISE_EMAIL).status_code == 303
    note("GET /login (logged in)", client.get("/login", headers=headers))
    note("GET /signup (logged in)", client.get("/signup", headers=headers))
    note("GET /review (enterprise)", client.get("/review", headers=headers))
    token = csrf_of(client.get("/account/password").text)
    change = {"current_password": PASSWORD, "new_password": PASSWORD, "repeat_password": PASSWORD, "csrf_token": token}
    note("POST /account/password", client.post("/account/password", data=change, headers=headers))
    token = csrf_of(client.get("/account/password").text)
    note("POST /logout", client.post("/logout", data={"csrf_token": token}, headers=headers))
    return seen


def test_a_forged_host_is_refused(browser_at: Callable[..., TestClient]) -> None:
    seen = _redirects(browser_at(), FORGED)
    assert all(outcome.startswith("400 ") for outcome in seen.values()), seen
    assert not any(FORGED in outcome for outcome in seen.values()), seen


@pytest.mark.parametrize("allowed", [["*"], ["testserver"]])
def test_redirects_are_relative(make_registry: Callable[..., Registry], allowed: list[str]) -> None:
    registry = make_registry(allowed_hosts=allowed)
    registry.user(ENTERPRISE_EMAIL, enterprise_id=registry.enterprise())
    host = FORGED if allowed == ["*"] else "testserver"
    with TestClient(registry.app, follow_redirects=False) as client:
        seen = _redirects(client, host)
    for route, outcome in seen.items():
        status, _, location = outcome.partition(" ")
        if status.startswith("3"):
            assert location.startswith("/") and not location.startswith("//"), f"{route}: {outcome}"
    assert any(outcome.startswith("3") for outcome in seen.values())
    assert not any(FORGED in outcome for outcome in seen.values()), seen
