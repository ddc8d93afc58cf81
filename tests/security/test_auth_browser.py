"""Issue 16 item 4 in Debian's chromium: log in, keep a copy of the browser's session cookie, log out with the
page's button; the copy must not open a page any more. The same after a password change made on the page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from registry.accounts.models import UserRole
from registry.accounts.service import create_user
from registry.db import make_engine, make_sessionmaker, session_scope
from registry.schema import prepare_database
from registry.web.setup import SESSION_COOKIE
from tests.browser.conftest import STAFF_EMAIL, STAFF_PASSWORD, LiveRegistry, browser  # noqa: F401
from tests.registry.support import RegistryServer

pytestmark = pytest.mark.browser
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def live_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The real registry under uvicorn with one staff account (no seeded catalog: these pages do not need it)."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('auth-browser') / 'registry.db'}"
    prepare_database(database_url)
    engine = make_engine(database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        create_user(session, STAFF_EMAIL, STAFF_PASSWORD, UserRole.staff)
    engine.dispose()
    server = RegistryServer(database_url).start()
    try:
        yield LiveRegistry(server.url, database_url)
    finally:
        server.stop()


@pytest.fixture
def page(browser, live_registry: LiveRegistry) -> Iterator[object]:  # noqa: F811
    context = browser.new_context(base_url=live_registry.url, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def _login(page, password: str) -> str:
    """Logs in on the page; returns a copy of the session cookie as the browser holds it."""
    page.goto("/login")
    page.fill("#f-email", STAFF_EMAIL)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/review"))
    return next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)


def _opens_review(live_registry: LiveRegistry, cookie: str) -> bool:
    with httpx.Client(base_url=live_registry.url, cookies={SESSION_COOKIE: cookie}) as client:
        return client.get("/review").status_code == 200


def test_a_copied_cookie_dies_with_logout_and_password_change(page, live_registry: LiveRegistry) -> None:
    copy = _login(page, STAFF_PASSWORD)
    assert _opens_review(live_registry, copy)
    page.click("form[action='/logout'] button")
    page.wait_for_url(re.compile(r"/$"))
    assert not _opens_review(live_registry, copy), "the cookie kept working after logout"

    other_browser = _login(page, STAFF_PASSWORD)
    new_password = "reviewer-password-2"
    page.goto("/account/password")
    page.fill("input[name=current_password]", STAFF_PASSWORD)
    page.fill("input[name=new_password]", new_password)
    page.fill("input[name=repeat_password]", new_password)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/review"))
    assert not _opens_review(live_registry, other_browser), "the cookie kept working after a password change"
    page.goto("/review")
    assert page.url.endswith("/review"), "the browser that changed the password stays logged in"
