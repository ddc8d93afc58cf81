"""Staff open an account for an enterprise that is already registered; its owner logs in with the one-time
password and changes it. Sign-up refuses the existing enterprise and points here."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from registry.accounts.models import User, UserRole
from tests.web.conftest import PASSWORD, Registry, csrf_of, login

SECRET_RE = re.compile(r'<div class="secret" id="account-password">([^<]+)</div>')


def _post(client: TestClient, path: str, data: dict[str, str]):
    token = csrf_of(client.get(path).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def _users(registry: Registry) -> int:
    return int(registry.run(lambda s: s.scalar(select(func.count()).select_from(User))))


def test_staff_open_an_account_the_owner_logs_in_and_changes_the_password(
    client: TestClient, registry: Registry
) -> None:
    seeded = registry.enterprise("中天钢铁集团有限公司", "常州", "钢铁")  # as the seed loader leaves it
    registry.user("staff@bureau.gov.cn", UserRole.staff)
    login(client, "staff@bureau.gov.cn")
    page = client.get("/staff/accounts")
    assert page.status_code == 200 and "中天钢铁集团有限公司 · 常州" in page.text

    created = _post(client, "/staff/accounts", {"enterprise_id": str(seeded), "email": " Wang.Fang@ZENITH.cn "})
    assert created.status_code == 200, created.text
    password = SECRET_RE.search(created.text).group(1)  # shown once, to hand over
    assert len(password) >= 16 and "wang.fang@zenith.cn" in created.text
    assert password not in client.get("/staff/accounts").text
    assert "wang.fang@zenith.cn" in client.get("/staff/accounts").text
    stored = registry.run(lambda s: s.execute(select(User.enterprise_id, User.role, User.password_hash)).all())
    assert (seeded, UserRole.enterprise) in [(e, r) for e, r, _ in stored]
    assert all(password not in h for _, _, h in stored)

    client.cookies.clear()
    assert login(client, "wang.fang@zenith.cn", password).headers.get("location") is None  # followed: logged in
    assert "中天钢铁集团有限公司" in client.get("/my/usecases").text

    wrong = _post(client, "/account/password", {"current_password": "nope", "new_password": "x" * 12,
                                                "repeat_password": "x" * 12})  # fmt: skip
    assert wrong.status_code == 400 and 'data-error-for="current_password"' in wrong.text
    differ = _post(client, "/account/password", {"current_password": password, "new_password": "y" * 12,
                                                 "repeat_password": "z" * 12})  # fmt: skip
    assert differ.status_code == 400 and 'data-error-for="repeat_password"' in differ.text
    short = _post(client, "/account/password", {"current_password": password, "new_password": "short",
                                                "repeat_password": "short"})  # fmt: skip
    assert short.status_code == 400 and 'data-error-for="new_password"' in short.text
    done = _post(client, "/account/password", {"current_password": password, "new_password": "my own secret 42",
                                               "repeat_password": "my own secret 42"})  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/my/usecases"

    client.cookies.clear()
    assert login(client, "wang.fang@zenith.cn", password).status_code == 401
    client.cookies.clear()
    assert login(client, "wang.fang@zenith.cn", "my own secret 42").status_code == 200


def test_bad_requests_name_the_field_and_store_nothing(client: TestClient, registry: Registry) -> None:
    enterprise = registry.enterprise()
    registry.user("staff@bureau.gov.cn", UserRole.staff)
    registry.user("taken@zenith.cn", UserRole.enterprise, enterprise)
    login(client, "staff@bureau.gov.cn")
    before = _users(registry)
    for data, field in (
        ({"enterprise_id": "", "email": "new@zenith.cn"}, "enterprise_id"),
        ({"enterprise_id": "999999", "email": "new@zenith.cn"}, "enterprise_id"),
        ({"enterprise_id": str(enterprise), "email": "not-an-email"}, "email"),
        ({"enterprise_id": str(enterprise), "email": "TAKEN@zenith.cn"}, "email"),
    ):
        response = _post(client, "/staff/accounts", data)
        assert response.status_code == 400, data
        assert f'data-error-for="{field}"' in response.text, data
        assert 'id="account-password"' not in response.text
    assert _users(registry) == before


def test_only_staff_open_accounts_and_only_users_change_passwords(client: TestClient, registry: Registry) -> None:
    enterprise = registry.enterprise()
    registry.user("a@zenith.cn", UserRole.enterprise, enterprise)
    assert client.get("/account/password", follow_redirects=False).status_code in (302, 303)  # to the login
    login(client, "a@zenith.cn")
    assert client.get("/staff/accounts").status_code == 403
    token = csrf_of(client.get("/account/password").text)
    forged = client.post("/staff/accounts", data={"enterprise_id": str(enterprise), "email": "x@zenith.cn",
                                                  "csrf_token": token})  # fmt: skip
    assert forged.status_code == 403
    assert login(client, "a@zenith.cn", PASSWORD).status_code == 200
