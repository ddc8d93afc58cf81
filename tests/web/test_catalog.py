"""The public catalog (filters, counts, pagination), the staff export, and both languages on every page."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from fastapi.testclient import TestClient

from registry.accounts.models import UserRole
from registry.enums import LifecycleStage, ReviewStatus
from tests.web.conftest import BOTH_DATABASES, Registry, login

pytestmark = BOTH_DATABASES


@pytest.fixture
def catalog(registry: Registry) -> dict[str, int]:
    steel = registry.enterprise("中天钢铁", "常州", "钢铁")
    machinery = registry.enterprise("徐工集团", "徐州", "装备制造")
    ids = {
        "vision": registry.use_case(steel, "钢板表面缺陷视觉检测", scenario="machine_vision"),
        "agv": registry.use_case(steel, "炼钢车间AGV物流", scenario="agv", description="无人天车与AGV协同"),
        "remote": registry.use_case(machinery, "挖掘机远程操控", scenario="remote_control"),
        "draft": registry.use_case(machinery, "未审核的草稿", ReviewStatus.submitted, scenario="agv"),
    }
    registry.use_case(machinery, "规划中的数字孪生", scenario="digital_twin", stage=LifecycleStage.planned)
    return ids


ALL_APPROVED = {"钢板表面缺陷视觉检测", "炼钢车间AGV物流", "挖掘机远程操控", "规划中的数字孪生"}


def titles(page: str) -> set[str]:
    return set(re.findall(r'<h3><a href="/usecases/\d+">([^<]+)</a></h3>', page))


def test_catalog_lists_only_approved(client: TestClient, catalog: dict[str, int]) -> None:
    page = client.get("/").text
    assert titles(page) == ALL_APPROVED
    assert "共 4 个案例" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"city": "常州"}, {"钢板表面缺陷视觉检测", "炼钢车间AGV物流"}),
        ({"industry": "装备制造"}, {"挖掘机远程操控", "规划中的数字孪生"}),  # an old link with the wording
        ({"scenario": "agv"}, {"炼钢车间AGV物流"}),
        ({"stage": "planned"}, {"规划中的数字孪生"}),
        ({"q": "天车"}, {"炼钢车间AGV物流"}),  # free text reaches the description
        ({"q": "徐工"}, {"挖掘机远程操控", "规划中的数字孪生"}),  # and the enterprise name
        ({"city": "常州", "scenario": "remote_control"}, set()),
        ({"stage": "no-such-stage", "page": "abc"}, ALL_APPROVED),  # junk parameters are ignored
    ],
)
def test_catalog_filters(client: TestClient, catalog: dict[str, int], query: dict, expected: set[str]) -> None:
    response = client.get("/", params=query)
    assert response.status_code == 200
    assert titles(response.text) == expected


def test_counts_per_scenario_and_city(client: TestClient, catalog: dict[str, int]) -> None:
    page = client.get("/", params={"city": "常州"}).text
    scenario_facet = page.split('data-facet="scenario"')[1].split("</ul>")[0]
    # counts per scenario within 常州; the draft AGV case is not counted
    assert re.search(r"AGV/[^<]*</span><span class=\"count-pill\">1<", scenario_facet)
    city_facet = page.split('data-facet="city"')[1].split("</ul>")[0]
    # the city facet ignores the city filter itself, so every city shows what choosing it would give
    assert re.search(r"常州</span><span class=\"count-pill\">2<", city_facet)
    assert re.search(r"徐州</span><span class=\"count-pill\">2<", city_facet)


def test_pagination(client: TestClient, registry: Registry) -> None:
    enterprise = registry.enterprise()
    page_size = registry.app.state.web_settings.page_size
    for n in range(page_size + 3):
        registry.use_case(enterprise, f"案例{n:03d}")
    first, second = client.get("/").text, client.get("/", params={"page": 2}).text
    assert len(titles(first)) == page_size and len(titles(second)) == 3
    assert titles(first).isdisjoint(titles(second))
    assert "第 1 / 2 页" in first and 'href="?page=2"' in first


def test_staff_export_csv_and_json(client: TestClient, registry: Registry, catalog: dict[str, int]) -> None:
    assert client.get("/export.csv", follow_redirects=False).status_code == 303  # anonymous: log in first
    registry.user("reviewer@bureau.gov.cn", UserRole.staff)
    login(client, "reviewer@bureau.gov.cn")
    assert "导出 CSV" in client.get("/").text
    response = client.get("/export.csv", params={"city": "常州"})
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["title"] for r in rows} == {"钢板表面缺陷视觉检测", "炼钢车间AGV物流"}
    body = json.loads(client.get("/export.json", params={"scenario": "agv"}).content)
    assert [item["title"] for item in body["items"]] == ["炼钢车间AGV物流"]  # approved only, like the catalog
    drafts = json.loads(client.get("/export.json", params={"status": "submitted"}).content)
    assert [item["title"] for item in drafts["items"]] == ["未审核的草稿"]


def test_use_case_page_shows_profile_and_enterprise(client: TestClient, catalog: dict[str, int]) -> None:
    page = client.get(f"/usecases/{catalog['vision']}").text
    assert "中天钢铁" in page and "场景指标要求" in page and "端到端时延" in page and "Mbit/s" in page
    english = client.get(f"/usecases/{catalog['vision']}", headers={"Accept-Language": "en-US,en;q=0.8"}).text
    assert "Scenario requirement profile" in english and "Uplink data rate" in english


@pytest.mark.parametrize("path", ["/", "/login", "/signup"])
def test_pages_in_both_languages(client: TestClient, catalog: dict[str, int], path: str) -> None:
    zh = client.get(path).text
    en = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"}).text
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    assert "工业5G应用案例库" in zh and "Industrial 5G Use-Case Registry" in en


def test_language_switch_is_remembered_and_safe(client: TestClient) -> None:
    response = client.get("/lang/en", params={"next": "/signup"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signup"
    assert "i5g_lang=en" in response.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/").text  # the cookie beats Accept-Language: zh
    evil = client.get("/lang/zh", params={"next": "https://evil.example/"}, follow_redirects=False)
    assert evil.headers["location"] == "/"
    assert client.get("/lang/fr", follow_redirects=False).status_code == 404


def test_pages_carry_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    session_cookie = response.headers["set-cookie"]  # the first page starts a session (its CSRF token)
    assert "httponly" in session_cookie.lower() and "samesite=lax" in session_cookie.lower()
