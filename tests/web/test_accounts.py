"""Sign-up, login (rate-limited), logout, CSRF, and the create-staff command."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from i5g.cli import main
from registry.accounts.models import User, UserRole
from registry.db import make_engine
from registry.enterprises.models import Enterprise
from registry.schema import prepare_database
from tests.web.conftest import PASSWORD, Registry, csrf_of, login

SIGNUP = {
    "email": "Li.Lei@Example.cn",
    "password": "a-long-password-1",
    "name": "常州精密制造有限公司",
    "name_en": "Changzhou Precision",
    "province": "江苏",
    "city": "常州",
    "industry_code": "C35",
    "industry": "装备制造",
    "credit_code": "",
    "contact": "李雷 0519-12345678",
}


def _count(registry: Registry, model: type) -> int:
    return int(registry.run(lambda s: s.scalar(select(func.count()).select_from(model))))


def test_signup_creates_enterprise_and_user_then_logs_in(client: TestClient, registry: Registry) -> None:
    token = csrf_of(client.get("/signup").text)
    response = client.post("/signup", data={**SIGNUP, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    # To the login page, as for an e-mail that is already registered (tests/security/test_auth_signup.py).
    assert response.headers["location"] == "/login"
    assert "注册已提交" in client.get("/login").text
    assert login(client, SIGNUP["email"], SIGNUP["password"]).url.path == "/my/usecases"
    page = client.get("/my/usecases")
    assert page.status_code == 200
    assert "常州精密制造有限公司" in page.text
    assert "li.lei@example.cn" in page.text  # e-mail stored lower-case
    role, password_hash = registry.run(lambda s: s.execute(select(User.role, User.password_hash)).one())
    assert role == UserRole.enterprise
    assert password_hash.startswith("$argon2id$")
    assert SIGNUP["password"] not in password_hash


def test_bad_signup_keeps_values_marks_fields_and_stores_nothing(client: TestClient, registry: Registry) -> None:
    token = csrf_of(client.get("/signup").text)
    bad = {**SIGNUP, "email": "not-an-email", "password": "short", "city": "", "credit_code": "123"}
    response = client.post("/signup", data={**bad, "csrf_token": token})
    assert response.status_code == 400
    html = response.text
    for field in ("email", "password", "city", "credit_code"):
        assert f'data-error-for="{field}"' in html, field
    assert 'value="常州精密制造有限公司"' in html  # what the user typed is kept
    assert 'value="short"' not in html  # but a password is never echoed back
    assert _count(registry, User) == 0
    assert _count(registry, Enterprise) == 0


def test_signup_cannot_claim_an_existing_enterprise(client: TestClient, registry: Registry) -> None:
    registry.enterprise(name=SIGNUP["name"])
    token = csrf_of(client.get("/signup").text)
    response = client.post("/signup", data={**SIGNUP, "csrf_token": token})
    assert response.status_code == 409
    assert 'data-error-for="name"' in response.text
    assert _count(registry, User) == 0


def test_forms_without_the_csrf_token_are_refused(client: TestClient, registry: Registry) -> None:
    client.get("/signup")
    for token in (None, "forged"):
        data = dict(SIGNUP) if token is None else {**SIGNUP, "csrf_token": token}
        response = client.post("/signup", data=data)
        assert response.status_code == 403
        assert "表单已过期" in response.text
    assert _count(registry, User) == 0


def test_login_logout(client: TestClient, registry: Registry) -> None:
    registry.user("ops@example.cn", enterprise_id=registry.enterprise())
    assert login(client, "ops@example.cn", "wrong password!").status_code == 401
    response = login(client, "OPS@example.cn")
    assert response.status_code == 200 and "ops@example.cn" in response.text
    token = csrf_of(response.text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/my/usecases", follow_redirects=False).status_code == 303  # back to the login page


def test_login_redirects_only_to_local_paths(client: TestClient, registry: Registry) -> None:
    registry.user("ops@example.cn", enterprise_id=registry.enterprise())
    token = csrf_of(client.get("/login").text)
    data = {"email": "ops@example.cn", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.headers["location"] == "/my/usecases"


def test_login_is_rate_limited(client: TestClient, registry: Registry) -> None:
    registry.user("ops@example.cn", enterprise_id=registry.enterprise())
    limit = registry.app.state.web_settings.login_max_failures
    for _ in range(limit):
        assert login(client, "ops@example.cn", "wrong password!").status_code == 401
    blocked = login(client, "ops@example.cn")  # even the right password is refused while blocked
    assert blocked.status_code == 429
    assert "秒后再试" in blocked.text


def test_create_staff_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'r.db'}"
    prepare_database(database_url)
    monkeypatch.setenv("I5G_DATABASE_URL", database_url)
    monkeypatch.setenv("I5G_STAFF_PASSWORD", "staff-password-1")
    command = ["registry", "create-staff", "--email"]
    assert main([*command, "Reviewer@Bureau.gov.cn"]) == 0
    out, err = capsys.readouterr()
    assert "reviewer@bureau.gov.cn" in out and "staff-password-1" not in out + err
    assert main([*command, "reviewer@bureau.gov.cn"]) == 2
    assert "already registered" in capsys.readouterr().err
    monkeypatch.delenv("I5G_STAFF_PASSWORD")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal to prompt on
    assert main([*command, "x@bureau.gov.cn"]) == 2
    assert "I5G_STAFF_PASSWORD" in capsys.readouterr().err
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(User.email, User.role)).all()
    finally:
        engine.dispose()
    assert rows == [("reviewer@bureau.gov.cn", UserRole.staff)]


def test_accounts_migration_keeps_one_head() -> None:
    """Migrations written in parallel must stay one chain, or `migrate` (upgrade to "head") fails."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from registry.schema import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1, script.get_heads()
    assert "acc1" in {rev.revision for rev in script.walk_revisions()}


def test_passwords_never_reach_the_logs(
    client: TestClient, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        token = csrf_of(client.get("/signup").text)
        client.post("/signup", data={**SIGNUP, "csrf_token": token})
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/my/usecases").text)})
        login(client, SIGNUP["email"], SIGNUP["password"])
        login(client, SIGNUP["email"], "a-wrong-password-2")
    assert caplog.records, "expected some log output to check"
    for secret in (SIGNUP["password"], "a-wrong-password-2"):
        assert secret not in caplog.text


def test_unknown_pages_are_html_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    page = client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and "页面不存在。" in page.text
    api = client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert client.get("/no-such-page").json()["error"]["code"] == "not_found"
