"""Use cases with Chinese names round-trip through the API on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.registry.support import RegistryClient


def test_healthz(api: RegistryClient) -> None:
    response = api.request("GET", "/healthz", token=None)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_use_case_with_chinese_names_round_trips(api: RegistryClient) -> None:
    enterprise = api.create_enterprise(name="中天钢铁集团有限公司", city="常州", province="江苏", industry="钢铁")
    assert enterprise["name"] == "中天钢铁集团有限公司"
    created = api.create_use_case(
        "machine_vision",
        enterprise_id=enterprise["id"],
        title="5G+AI钢材表面缺陷检测",
        description="中天钢铁利用5G专网实现高清视频回传，AI识别钢坯表面缺陷。",
        operators=["china_mobile", "china_unicom"],
        recognitions=["江苏省工业互联网标杆工厂", "绽放杯二等奖"],
        start_date="2022-03-01",
        end_date="2023-06-30",
        source_document="常州市5G+工业互联网典型案例汇编.docx",
        source_excerpt="中天钢铁……建成5G全连接工厂",
    )
    fetched = api.request("GET", f"/api/v1/usecases/{created['id']}").json()
    assert fetched == created
    assert fetched["title"] == "5G+AI钢材表面缺陷检测"
    assert fetched["enterprise"]["name"] == "中天钢铁集团有限公司"
    assert fetched["enterprise"]["city"] == "常州"
    assert fetched["scenario"] == "machine_vision"
    assert fetched["operators"] == ["china_mobile", "china_unicom"]
    assert fetched["recognitions"] == ["江苏省工业互联网标杆工厂", "绽放杯二等奖"]
    assert fetched["investment_cny"] == 12_000_000
    assert fetched["start_date"] == "2022-03-01"
    assert fetched["created_at"].endswith(("+00:00", "Z"))

    listed = api.request("GET", "/api/v1/usecases", params={"city": "常州"}, token=None).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]


def test_update_and_delete(api: RegistryClient) -> None:
    use_case = api.create_use_case("agv", review_status="submitted")
    response = api.request(
        "PATCH",
        f"/api/v1/usecases/{use_case['id']}",
        json={"review_status": "rejected", "reviewer_note": "材料不全", "stage": "building"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["review_status"], body["reviewer_note"], body["stage"]) == ("rejected", "材料不全", "building")
    assert body["title"] == use_case["title"]
    assert body["updated_at"] >= use_case["updated_at"]

    assert api.request("DELETE", f"/api/v1/usecases/{use_case['id']}").status_code == 204
    assert api.request("GET", f"/api/v1/usecases/{use_case['id']}").status_code == 404
    enterprise_id = use_case["enterprise"]["id"]
    assert api.request("DELETE", f"/api/v1/enterprises/{enterprise_id}").status_code == 204


def test_enterprise_crud(api: RegistryClient) -> None:
    enterprise = api.create_enterprise(name="常州天合光能", credit_code="91350100m000100y43")
    assert enterprise["credit_code"] == "91350100M000100Y43"  # normalised to capitals
    response = api.request("PATCH", f"/api/v1/enterprises/{enterprise['id']}", json={"contact": "李四"})
    assert response.status_code == 200
    assert response.json()["contact"] == "李四"
    assert response.json()["name"] == "常州天合光能"
    assert api.request("GET", f"/api/v1/enterprises/{enterprise['id']}").json()["contact"] == "李四"
    # Anonymous callers do not see an enterprise without an approved use case (see test_input_public_views.py).
    assert api.request("GET", f"/api/v1/enterprises/{enterprise['id']}", token=None).status_code == 404


def test_scenarios_are_served_with_profiles(api: RegistryClient) -> None:
    from i5g.scenarios import SCENARIOS

    scenarios = api.request("GET", "/api/v1/scenarios", token=None).json()
    assert {s["key"] for s in scenarios} == set(SCENARIOS)
    one = api.request("GET", "/api/v1/scenarios/machine_vision", token=None).json()
    source = SCENARIOS["machine_vision"]
    assert one["name_zh"] == source.name_zh
    assert len(one["requirements"]) == len(source.requirements)
    assert one["requirements"][0]["metric"] == source.requirements[0].metric
    assert api.request("GET", "/api/v1/scenarios/nope", token=None).status_code == 404
