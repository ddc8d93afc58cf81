"""Bad input gets a 4xx with a clear message naming the field, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.registry.support import RegistryClient, enterprise_body, use_case_body


def _counts(api: RegistryClient) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        api.request("GET", path, params={"page_size": 1}).json()["total"]
        for path in ("/api/v1/enterprises", "/api/v1/usecases", "/api/v1/gateways")
    )


def _assert_field_error(response, status: int, field: str, words: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    fields = {f["field"]: f["message"] for f in error["fields"]}
    assert field in fields, fields
    assert words.lower() in fields[field].lower(), fields[field]
    assert field in error["message"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"name": 123}, "body.name", "valid string"),
        ({"name": "长" * 201}, "body.name", "at most 200"),
        ({"name": "   "}, "body.name", "at least 1"),
        ({"city": None}, "body.city", "valid string"),
        ({"credit_code": "91350100M000100Y44"}, "body.credit_code", "check character"),
        ({"credit_code": "123"}, "body.credit_code", "18 characters"),
        ({"credit_code": "91350100M0001O0Y43"}, "body.credit_code", "without I, O"),
        ({"surprise": 1}, "body.surprise", "extra"),
        ({"name": "Zenith\x1b[31m Motors"}, "body.name", "control characters (U+001B at position 6)"),
        ({"city": "宁\x00波"}, "body.city", "control characters (U+0000"),
    ],
)
def test_bad_enterprise_is_rejected_and_nothing_stored(
    api: RegistryClient, overrides: dict[str, Any], field: str, words: str
) -> None:
    before = _counts(api)
    response = api.request("POST", "/api/v1/enterprises", json=enterprise_body(**overrides))
    _assert_field_error(response, 422, field, words)
    assert _counts(api) == before


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"scenario": "teleportation"}, "body.scenario", "unknown scenario 'teleportation'"),
        ({"title": "题" * 301}, "body.title", "at most 300"),
        ({"investment_cny": "lots"}, "body.investment_cny", "valid integer"),
        ({"investment_cny": -5}, "body.investment_cny", "greater than or equal to 0"),
        ({"network_mode": "wifi"}, "body.network_mode", "public_5g"),
        ({"operators": ["china_mobile", "vodafone"]}, "body.operators.1", "china_unicom"),
        ({"operators": "china_mobile"}, "body.operators", "valid list"),
        ({"stage": 3}, "body.stage", "planned"),
        ({"start_date": "2023-05-01", "end_date": "2022-01-01"}, "body.end_date", "before start_date"),
        ({"start_date": "yesterday"}, "body.start_date", "date"),
        ({"enterprise_id": 999999}, "body.enterprise_id", "no enterprise with id 999999"),
        ({"description": "述" * 5001}, "body.description", "at most 5000"),
        ({"title": "AGV\tdispatch"}, "body.title", "control characters (U+0009"),
        ({"description": "line\n\x07bell"}, "body.description", "control characters (U+0007 at position 5)"),
        ({"recognitions": ["ok", "ba\x85d"]}, "body.recognitions.1", "control characters (U+0085"),
    ],
)
def test_bad_use_case_is_rejected_and_nothing_stored(
    api: RegistryClient, overrides: dict[str, Any], field: str, words: str
) -> None:
    enterprise = api.create_enterprise()
    before = _counts(api)
    body = {**use_case_body(enterprise["id"], "agv"), **overrides}
    response = api.request("POST", "/api/v1/usecases", json=body)
    _assert_field_error(response, 422, field, words)
    assert _counts(api) == before


def test_malformed_json_is_400_with_a_clear_message(api: RegistryClient) -> None:
    before = _counts(api)
    response = api.request(
        "POST",
        "/api/v1/enterprises",
        content=b'{"name": "\xe4\xb8\xad\xe5\xa4\xa9", "city": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    assert "not valid JSON" in error["message"]
    assert _counts(api) == before


def test_bad_query_parameters_name_the_parameter(api: RegistryClient) -> None:
    _assert_field_error(api.request("GET", "/api/v1/usecases", params={"page": 0}), 422, "query.page", "greater")
    _assert_field_error(
        api.request("GET", "/api/v1/usecases", params={"page_size": 500}), 422, "query.page_size", "less"
    )
    _assert_field_error(api.request("GET", "/api/v1/usecases", params={"stage": "dreaming"}), 422, "query.stage", "")
    _assert_field_error(api.request("GET", "/api/v1/usecases/abc"), 422, "path.use_case_id", "integer")


def test_unknown_ids_are_404(api: RegistryClient) -> None:
    for path in (
        "/api/v1/enterprises/424242",
        "/api/v1/usecases/424242",
        "/api/v1/gateways/no-such-gateway",
        "/api/v1/scenarios/no_such",
    ):
        response = api.request("GET", path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
        assert "not found" in response.json()["error"]["message"]
    assert api.request("PATCH", "/api/v1/usecases/424242", json={"title": "x"}).status_code == 404
    assert api.request("DELETE", "/api/v1/enterprises/424242").status_code == 404
    assert api.request("GET", "/api/v1/nothing-here").json()["error"]["code"] == "not_found"


def test_duplicates_are_409_and_the_first_stays(api: RegistryClient) -> None:
    first = api.create_enterprise(name="中天钢铁", credit_code="91350100M000100Y43")
    before = _counts(api)
    again = api.request("POST", "/api/v1/enterprises", json=enterprise_body(name="中天钢铁"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert "中天钢铁" in again.json()["error"]["message"]
    same_code = api.request(
        "POST", "/api/v1/enterprises", json=enterprise_body(name="另一家", credit_code="91350100M000100Y43")
    )
    assert same_code.status_code == 409
    assert "credit code" in same_code.json()["error"]["message"]
    rename = api.request("PATCH", f"/api/v1/enterprises/{api.create_enterprise()['id']}", json={"name": "中天钢铁"})
    assert rename.status_code == 409
    assert _counts(api)[1:] == before[1:]
    assert api.request("GET", f"/api/v1/enterprises/{first['id']}").json()["name"] == "中天钢铁"

    gateway = api.create_gateway("gw-dup-1")
    duplicate = api.request(
        "POST", "/api/v1/gateways", json={"id": "gw-dup-1", "use_case_id": gateway["use_case_id"], "site_name": "x"}
    )
    assert duplicate.status_code == 409


def test_failed_update_changes_nothing(api: RegistryClient) -> None:
    use_case = api.create_use_case("agv")
    response = api.request("PATCH", f"/api/v1/usecases/{use_case['id']}", json={"title": "新标题", "scenario": "nope"})
    assert response.status_code == 422
    assert api.request("GET", f"/api/v1/usecases/{use_case['id']}").json()["title"] == use_case["title"]
    null_title = api.request("PATCH", f"/api/v1/usecases/{use_case['id']}", json={"title": None})
    _assert_field_error(null_title, 422, "body.title", "valid string")


def test_referenced_rows_cannot_be_deleted(api: RegistryClient) -> None:
    gateway = api.create_gateway()
    use_case = api.request("GET", f"/api/v1/usecases/{gateway['use_case_id']}").json()
    response = api.request("DELETE", f"/api/v1/usecases/{use_case['id']}")
    assert response.status_code == 409
    assert "gateways" in response.json()["error"]["message"]
    response = api.request("DELETE", f"/api/v1/enterprises/{use_case['enterprise']['id']}")
    assert response.status_code == 409
    assert api.request("GET", f"/api/v1/usecases/{use_case['id']}").status_code == 200


def test_multi_line_text_keeps_line_breaks_and_tabs(api: RegistryClient) -> None:
    enterprise = api.create_enterprise()
    body = {**use_case_body(enterprise["id"], "agv"), "description": "第一行\r\n第二行\t结束"}
    response = api.request("POST", "/api/v1/usecases", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "第一行\r\n第二行\t结束"
