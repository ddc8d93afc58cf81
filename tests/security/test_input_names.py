"""Issue 16.8: enterprise names that differ only by invisible, direction, width or case characters are the same
name. Attacked through the REST API and the sign-up form of the real registry (uvicorn), and through the
migration that backfills the normalised key of rows stored before the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.db import make_engine
from registry.schema import migrate
from tests.registry.support import RegistryServer
from tests.web.conftest import csrf_of

NAME = "常州中天钢铁集团"
# Each spelled so that a person cannot tell it from NAME (or from its plain Latin form for the last ones).
LOOK_ALIKES = [
    "常州\u200b中天钢铁集团",  # zero-width space
    "常州中天钢铁集团\u2060",  # word joiner
    "\u200e常州中天钢铁集团",  # left-to-right mark
    "\ufeff常州中天钢铁集团",  # byte order mark
    "常州中天\u200d钢铁\u200c集团",  # zero-width joiner and non-joiner
    "\u202a常州中天钢铁集团\u202c",  # embedding and pop directional formatting
    "\u2066常州中天钢铁集团\u2069",  # isolate and pop isolate
    "常州中天钢铁集团\u00ad",  # soft hyphen
    "常州中天钢铁\u3164集团",  # Hangul filler
    "常州中天钢铁集团\ufe0f",  # variation selector
]
LATIN = "Zenith Steel Group"
LATIN_LOOK_ALIKES = [
    "ＺＥＮＩＴＨ ＳＴＥＥＬ ＧＲＯＵＰ",
    "zenith  steel\tgroup",
    "Zenith\u00a0Steel Group",
    "ZENITH STEEL GROUP",
]


def test_look_alike_names_are_refused_by_the_api(registry_server: RegistryServer) -> None:
    first = registry_server.create_enterprise(name=NAME)
    latin = registry_server.create_enterprise(name=LATIN)
    for name in LOOK_ALIKES + LATIN_LOOK_ALIKES:
        body = {"name": name, "city": "常州", "province": "江苏", "industry": "钢铁"}
        response = registry_server.request("POST", "/api/v1/enterprises", json=body)
        assert response.status_code == 409, (name, response.text)
        assert response.json()["error"]["code"] == "conflict"
    # Renaming another enterprise to a look-alike is refused too.
    other = registry_server.create_enterprise(name="另一家企业")
    renamed = registry_server.request("PATCH", f"/api/v1/enterprises/{other['id']}", json={"name": LOOK_ALIKES[0]})
    assert renamed.status_code == 409, renamed.text
    # Renaming an enterprise to a look-alike of its own name is fine (it is the same name), and stored clean.
    same = registry_server.request("PATCH", f"/api/v1/enterprises/{first['id']}", json={"name": LOOK_ALIKES[2]})
    assert same.status_code == 200 and same.json()["name"] == NAME
    assert latin["name"] == LATIN


def test_the_clean_display_form_is_stored(registry_server: RegistryServer) -> None:
    created = registry_server.create_enterprise(name="\u200f新\u200b企业  有限\u00a0公司\u2060", name_en="New\u200b Co")
    assert created["name"] == "新企业 有限 公司"
    assert created["name_en"] == "New Co"
    invisible_only = registry_server.request(
        "POST", "/api/v1/enterprises", json={"name": "\u200b\u2060\u200e", "city": "常州", "province": "江苏",
                                             "industry": "钢铁"},
    )  # fmt: skip
    assert invisible_only.status_code == 422


def test_sign_up_refuses_a_look_alike_of_a_registered_enterprise(registry_server: RegistryServer) -> None:
    registry_server.create_enterprise(name=NAME)
    http = registry_server.http
    for number, name in enumerate(LOOK_ALIKES[:4]):
        token = csrf_of(http.get("/signup", headers={"Accept-Language": "en"}).text)
        form = {
            "csrf_token": token,
            "email": f"attacker{number}@example.com",
            "password": "correct horse battery staple",
            "name": name,
            "province": "江苏",
            "city": "常州",
            "industry": "钢铁",
            "industry_code": "C31",
        }
        response = http.post("/signup", data=form, headers={"Accept-Language": "en"})
        assert response.status_code == 409, (name, response.status_code)
        assert "already registered" in response.text or "已" in response.text
    names = [e["name"] for e in registry_server.request("GET", "/api/v1/enterprises").json()["items"]]
    assert names == [NAME]


def test_migration_backfills_the_key_of_existing_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "acc1")  # the schema before the fix, where look-alikes could be stored
    engine = make_engine(url)
    now = "2026-11-01 00:00:00"
    with engine.begin() as connection:
        for name in (NAME, LOOK_ALIKES[0], "另一家企业"):
            connection.execute(
                sa.text(
                    "INSERT INTO enterprises (name, city, province, industry, created_at, updated_at) "
                    "VALUES (:name, '常州', '江苏', '钢铁', :now, :now)"
                ),
                {"name": name, "now": now},
            )
    engine.dispose()

    migrate(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        keys = dict(connection.execute(sa.text("SELECT name, name_key FROM enterprises ORDER BY id")).all())
    assert keys == {NAME: NAME, LOOK_ALIKES[0]: f"{NAME}#2", "另一家企业": "另一家企业"}

    from registry.enterprises.models import Enterprise

    with Session(engine) as session, pytest.raises(IntegrityError):
        session.add(Enterprise(name=LOOK_ALIKES[3], city="常州", province="江苏", industry="钢铁"))
        session.flush()
    engine.dispose()
