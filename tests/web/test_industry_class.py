"""Industries group by GB/T 4754-2017 division: the seeded documents' wordings (汽车及零部件, 汽车零部件) become
one class in the catalog menu and filter, the REST API shows wording and class, sign-up chooses from the
classification, and the migration backfills rows that existed before it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import select

from registry.db import make_engine
from registry.enterprises.models import Enterprise
from registry.schema import migrate
from registry.seeding.loader import load_catalog
from registry.seeding.schema import load_catalog_dir
from tests.conftest import REPO_ROOT
from tests.web.conftest import Registry, csrf_of
from tests.web.test_accounts import SIGNUP

CATALOG = load_catalog_dir(REPO_ROOT / "seeds")


@pytest.fixture
def seeded(registry: Registry) -> Registry:
    registry.run(lambda s: load_catalog(s, CATALOG))
    return registry


def _menu(html: str) -> list[tuple[str, str]]:
    select = html.split('<select id="industry"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)[1:]


def test_catalog_menu_offers_each_division_once_and_groups_wordings(client: TestClient, seeded: Registry) -> None:
    menu = _menu(client.get("/", headers={"Accept-Language": "zh"}).text)
    codes = [code for code, _ in menu]
    assert len(codes) == len(set(codes))
    assert ("C36", "C36 汽车制造业") in menu
    assert not {"汽车及零部件", "汽车零部件", "装备制造", "机械装备"} & {label for _, label in menu}
    en_menu = dict(_menu(client.get("/", headers={"Accept-Language": "en"}).text))
    assert en_menu["C36"] == "C36 Manufacture of automobiles"

    car_makers = {key for key, e in CATALOG.enterprises.items() if e.industry_code == "C36"}
    assert {CATALOG.enterprises[k].industry for k in car_makers} == {"汽车及零部件", "汽车零部件"}
    expected = {u.title for u in CATALOG.use_cases.values() if u.enterprise in car_makers}
    page = client.get("/", params={"industry": "C36"}).text
    assert set(re.findall(r'<h3><a href="/usecases/\d+">([^<]+)</a></h3>', page)) == expected


def test_rest_shows_wording_and_class(client: TestClient, seeded: Registry) -> None:
    body = client.get("/api/v1/enterprises", params={"industry_code": "C36", "page_size": 100}).json()
    rows = {e["name"]: e for e in body["items"]}
    assert rows["华晨宝马"]["industry"] == "汽车及零部件"
    assert rows["天润工业"]["industry"] == "汽车零部件"
    assert {e["industry_code"] for e in rows.values()} == {"C36"}
    assert rows["华晨宝马"]["industry_class"] == "汽车制造业"
    assert rows["华晨宝马"]["industry_class_en"] == "Manufacture of automobiles"
    # the wording alone gives the class where it names one division; an unknown code is refused
    assert client.get("/api/v1/usecases", params={"industry_code": "C36"}).json()["total"] >= 2
    assert client.get("/api/v1/usecases", params={"industry_code": "Z99"}).json()["total"] == 0


def test_signup_chooses_from_the_classification(client: TestClient, registry: Registry) -> None:
    form = client.get("/signup").text
    assert '<option value="C34">C34 通用设备制造业</option>' in form
    token = csrf_of(form)
    for code, status in (("", 400), ("X99", 400), ("<script>", 400)):
        response = client.post("/signup", data={**SIGNUP, "industry_code": code, "csrf_token": token})
        assert response.status_code == status
        assert 'data-error-for="industry_code"' in response.text
        assert "<script>" not in response.text.split("<main")[1]
    response = client.post(
        "/signup", data={**SIGNUP, "industry_code": "C34", "industry": "", "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    # Not listed publicly before it has an approved use case (issue 16.7): read the stored row.
    stored = registry.run(
        lambda s: (
            s.execute(select(Enterprise.industry_code, Enterprise.industry).where(Enterprise.name == SIGNUP["name"]))
            .one()
            ._tuple()
        )
    )
    assert stored == ("C34", "通用设备制造业")


def test_migration_backfills_existing_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    migrate(url, "acc1")
    engine = make_engine(url)
    now = "2026-01-01 00:00:00"
    rows = [
        ("华晨宝马", "汽车及零部件", "bmw-brilliance"),
        ("新松机器人", "机械装备", "siasun-robot"),  # wording spans divisions: the seed key decides (C34)
        ("某汽配厂", "汽车零部件", None),
        ("某装备厂", "装备制造", None),  # ambiguous wording, no seed key: stays unclassified
    ]
    with engine.begin() as connection:
        for name, industry, key in rows:
            connection.execute(
                sa.text(
                    "INSERT INTO enterprises (name, city, province, industry, seed_key, created_at, updated_at) "
                    "VALUES (:n, '沈阳', '辽宁', :i, :k, :t, :t)"
                ),
                {"n": name, "i": industry, "k": key, "t": now},
            )
    engine.dispose()
    migrate(url, "eu01")
    engine = make_engine(url)
    with engine.connect() as connection:
        got = dict(connection.execute(sa.text("SELECT name, industry_code FROM enterprises")).all())
    engine.dispose()
    assert got == {"华晨宝马": "C36", "新松机器人": "C34", "某汽配厂": "C36", "某装备厂": None}
