"""Issue 16 item 4: a session cookie must stop working when its session ends on the server: at logout, and for
every other session of the user at a password change. A copy of the cookie (stolen, or left in another
browser) is replayed to prove it."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from registry.web.setup import SESSION_COOKIE
from tests.security.auth_support import ENTERPRISE_EMAIL, STAFF_EMAIL, database_url_of, logged_in, login
from tests.web.conftest import PASSWORD, Registry, csrf_of

NEW_PASSWORD = "a-brand-new-password-2"


def _replay(browser_at: Callable[..., TestClient], cookie: str) -> TestClient:
    """Another client carrying only a copy of the cookie (what an attacker who stole it would send)."""
    thief = browser_at("203.0.113.66")
    thief.cookies.set(SESSION_COOKIE, cookie)
    return thief


def test_logout_ends_the_session_on_the_server(browser_at: Callable[..., TestClient]) -> None:
    user = browser_at()
    assert login(user, ENTERPRISE_EMAIL).status_code == 303
    stolen = user.cookies[SESSION_COOKIE]
    assert logged_in(_replay(browser_at, stolen))  # a copy works while the session lives

    token = csrf_of(user.get("/account/password").text)
    assert user.post("/logout", data={"csrf_token": token}).status_code == 303
    assert not logged_in(user)
    assert not logged_in(_replay(browser_at, stolen)), "the cookie from before the logout still opens pages"


def test_password_change_ends_the_other_sessions_and_keeps_this_one(browser_at: Callable[..., TestClient]) -> None:
    office, laptop = browser_at("198.51.100.7"), browser_at("198.51.100.8")
    assert login(office, ENTERPRISE_EMAIL).status_code == 303
    assert login(laptop, ENTERPRISE_EMAIL).status_code == 303
    stolen = office.cookies[SESSION_COOKIE]

    token = csrf_of(office.get("/account/password").text)
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}
    assert office.post("/account/password", data={**data, "csrf_token": token}).status_code == 303
    assert logged_in(office), "the session that changed the password goes on"
    assert office.cookies[SESSION_COOKIE] != stolen  # ... with a new session id
    assert not logged_in(laptop), "another session of the user survived the password change"
    assert not logged_in(_replay(browser_at, stolen)), "the cookie from before the change still opens pages"
    assert login(browser_at("198.51.100.9"), ENTERPRISE_EMAIL, NEW_PASSWORD).status_code == 303


def test_sessions_are_shared_by_registry_workers(
    auth_registry: Registry, make_registry: Callable[..., Registry], browser_at: Callable[..., TestClient]
) -> None:
    """Two app instances on one database (two worker processes): a logout on one ends the session on the other."""
    other_worker = make_registry(database_url=database_url_of(auth_registry))
    user = browser_at()
    assert login(user, ENTERPRISE_EMAIL).status_code == 303
    on_other = browser_at("198.51.100.7", registry=other_worker)
    on_other.cookies.set(SESSION_COOKIE, user.cookies[SESSION_COOKIE])
    assert logged_in(on_other)
    user.post("/logout", data={"csrf_token": csrf_of(user.get("/account/password").text)})
    assert not logged_in(on_other)


def test_staff_password_reset_ends_the_accounts_sessions(browser_at: Callable[..., TestClient]) -> None:
    owner, reviewer = browser_at("198.51.100.7"), browser_at("198.51.100.20")
    assert login(owner, ENTERPRISE_EMAIL).status_code == 303
    assert login(reviewer, STAFF_EMAIL).status_code == 303
    accounts = reviewer.get("/staff/accounts").text
    action = re.search(rf'action="([^"]+)" data-reset-for="{re.escape(ENTERPRISE_EMAIL)}"', accounts)
    assert action, "no reset button for the account"
    handover = reviewer.post(action.group(1), data={"csrf_token": csrf_of(accounts)})
    assert handover.status_code == 200
    new_password = re.search(r'id="account-password">([^<]+)<', handover.text).group(1)
    assert not logged_in(owner), "the account's session survived the staff reset"
    assert logged_in(reviewer)
    assert login(browser_at("198.51.100.8"), ENTERPRISE_EMAIL, PASSWORD).status_code == 401
    assert login(browser_at("198.51.100.9"), ENTERPRISE_EMAIL, new_password).status_code == 303
