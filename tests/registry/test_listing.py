"""Filters, free-text search, pagination totals and exports."""

from __future__ import annotations

import csv
import io
import json

from tests.registry.support import RegistryClient


def _catalog(api: RegistryClient) -> dict[str, dict]:
    zt = api.create_enterprise(name="中天钢铁", name_en="Zenith Steel", city="常州", province="江苏", industry="钢铁")
    th = api.create_enterprise(name="天合光能", name_en="Trina Solar", city="常州", province="江苏", industry="光伏")
    ms = api.create_enterprise(name="美的集团", name_en="Midea", city="佛山", province="广东", industry="家电")
    return {
        "vision": api.create_use_case("machine_vision", zt["id"], title="钢坯表面缺陷视觉检测", stage="operating"),
        "agv": api.create_use_case(
            "agv", zt["id"], title="5G无人天车", description="AGV 调度 100% 覆盖", stage="signed"
        ),
        "solar": api.create_use_case("machine_vision", th["id"], title="电池片EL检测", stage="building"),
        "midea": api.create_use_case("digital_twin", ms["id"], title="数字孪生工厂", network_mode="vpn"),
        "pending": api.create_use_case("agv", ms["id"], title="待审核项目", review_status="submitted"),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_filters_and_search(api: RegistryClient) -> None:
    c = _catalog(api)
    get = lambda **params: _ids(api.request("GET", "/api/v1/usecases", params=params))  # noqa: E731
    assert get(city="常州") == {c["vision"]["id"], c["agv"]["id"], c["solar"]["id"]}
    assert get(province="广东") == {c["midea"]["id"], c["pending"]["id"]}
    assert get(industry="光伏") == {c["solar"]["id"]}
    assert get(scenario="machine_vision") == {c["vision"]["id"], c["solar"]["id"]}
    assert get(stage="building") == {c["solar"]["id"]}
    assert get(review_status="submitted") == {c["pending"]["id"]}
    assert get(network_mode="vpn") == {c["midea"]["id"]}
    assert get(city="常州", scenario="agv") == {c["agv"]["id"]}
    # q: enterprise name (zh and en), title, description; case-insensitive for Latin letters.
    assert get(q="中天") == {c["vision"]["id"], c["agv"]["id"]}
    assert get(q="trina") == {c["solar"]["id"]}
    assert get(q="孪生") == {c["midea"]["id"]}
    assert get(q="调度") == {c["agv"]["id"]}
    assert get(q="100%") == {c["agv"]["id"]}  # LIKE wildcards are literal
    assert get(q="_") == set()
    assert get(q="中天", stage="operating") == {c["vision"]["id"]}
    assert get(city="北京") == set()


def test_pagination_totals(api: RegistryClient) -> None:
    enterprise = api.create_enterprise()
    created = [api.create_use_case("agv", enterprise["id"], title=f"项目{i}")["id"] for i in range(7)]
    seen: list[int] = []
    for page in (1, 2, 3):
        body = api.request("GET", "/api/v1/usecases", params={"page": page, "page_size": 3}).json()
        assert (body["total"], body["page"], body["page_size"]) == (7, page, 3)
        seen += [item["id"] for item in body["items"]]
    assert seen == sorted(created, reverse=True)  # newest first, no gaps or repeats
    beyond = api.request("GET", "/api/v1/usecases", params={"page": 4, "page_size": 3}).json()
    assert beyond["items"] == [] and beyond["total"] == 7


def test_enterprise_listing(api: RegistryClient) -> None:
    _catalog(api)
    body = api.request("GET", "/api/v1/enterprises", params={"city": "常州"}, token=None).json()
    assert {e["name"] for e in body["items"]} == {"中天钢铁", "天合光能"}
    assert body["total"] == 2
    assert api.request("GET", "/api/v1/enterprises", params={"q": "midea"}).json()["items"][0]["name"] == "美的集团"


def test_csv_export_has_bom_and_opens_with_chinese(api: RegistryClient) -> None:
    c = _catalog(api)
    response = api.request("GET", "/api/v1/usecases/export", params={"format": "csv", "city": "常州"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel then reads the file as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {row["title"] for row in rows} == {c["vision"]["title"], c["agv"]["title"], c["solar"]["title"]}
    vision = next(row for row in rows if row["id"] == str(c["vision"]["id"]))
    assert vision["enterprise"] == "中天钢铁"
    assert vision["city"] == "常州"
    assert vision["operators"] == "china_mobile"
    assert vision["investment_cny"] == "12000000"


def test_json_export_follows_filters_and_visibility(api: RegistryClient) -> None:
    c = _catalog(api)
    response = api.request("GET", "/api/v1/usecases/export", params={"format": "json", "province": "广东"})
    body = json.loads(response.content)
    assert {item["id"] for item in body["items"]} == {c["midea"]["id"], c["pending"]["id"]}
    assert body["total"] == 2
    public = api.request("GET", "/api/v1/usecases/export", params={"format": "json"}, token=None).json()
    assert c["pending"]["id"] not in {item["id"] for item in public["items"]}
    bad = api.request("GET", "/api/v1/usecases/export", params={"format": "xlsx"})
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "query.format"


def test_city_figures(api: RegistryClient, database_url: str) -> None:
    from registry.cities.models import CityFigure
    from registry.db import make_engine, make_sessionmaker, session_scope

    engine = make_engine(database_url)
    with session_scope(make_sessionmaker(engine)) as session:
        session.add_all(
            [
                CityFigure(city="常州", province="江苏", metric="base_stations_5g", value=12000, unit="个", year=2023),
                CityFigure(city="常州", province="江苏", metric="factories_5g", value=50, unit="家", year=2023),
                CityFigure(city="苏州", province="江苏", metric="base_stations_5g", value=40000, unit="个", year=2023),
            ]
        )
    engine.dispose()
    cities = api.request("GET", "/api/v1/cities", token=None).json()
    assert {(c["city"], c["figures"]) for c in cities} == {("常州", 2), ("苏州", 1)}
    figures = api.request("GET", "/api/v1/cities/figures", params={"city": "常州"}, token=None).json()
    assert figures["total"] == 2
    assert {f["metric"] for f in figures["items"]} == {"base_stations_5g", "factories_5g"}
    assert figures["items"][0]["unit"] in {"个", "家"}


def test_search_follows_every_write(api: RegistryClient) -> None:
    """The SQLite search index is kept by an ORM hook: creates, edits, renames and deletes show at once."""
    search = lambda q: _ids(api.request("GET", "/api/v1/usecases", params={"q": q}))  # noqa: E731
    enterprise = api.create_enterprise(name="江苏永钢集团", name_en="Yonggang Group")
    use_case = api.create_use_case("agv", enterprise["id"], title="料场无人行车", description="")
    assert search("永钢") == {use_case["id"]}
    assert search("yonggang") == {use_case["id"]}
    api.request("PATCH", f"/api/v1/usecases/{use_case['id']}", json={"title": "高炉智能巡检"})
    assert search("行车") == set()
    assert search("高炉 巡检") == {use_case["id"]}  # every word must match
    assert search("高炉 不存在") == set()
    api.request("PATCH", f"/api/v1/enterprises/{enterprise['id']}", json={"name": "沙钢集团"})
    assert search("永钢") == set()
    assert search("沙钢") == {use_case["id"]}
    api.request("DELETE", f"/api/v1/usecases/{use_case['id']}")
    assert search("沙钢") == set()


def test_search_segmentation() -> None:
    from registry.usecases.search import fts_query, segment

    assert segment("5G+机器视觉 Steel-Works") == ["5g", "机", "器", "视", "觉", "steel", "works"]
    assert fts_query("常州 trina") == '"常" + "州"* AND "trina"*'
    assert fts_query('"; DROP') == '"drop"*'
    assert fts_query("%_") is None
