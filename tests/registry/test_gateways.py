"""Gateways: approved use cases only, slug ids, and the two collector endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.registry.support import RegistryClient


def test_gateway_crud(api: RegistryClient) -> None:
    use_case = api.create_use_case("agv")
    gateway = api.create_gateway("zt-agv-01", use_case["id"], hardware="RPi 4", latitude=31.78, longitude=119.95)
    assert gateway["enabled"] is True and gateway["online"] is False and gateway["last_seen_at"] is None
    assert api.request("GET", "/api/v1/gateways/zt-agv-01", token=None).json()["site_name"] == "一号车间"
    patched = api.request("PATCH", "/api/v1/gateways/zt-agv-01", json={"enabled": False, "site_name": "二号车间"})
    assert patched.status_code == 200
    assert patched.json()["enabled"] is False and patched.json()["site_name"] == "二号车间"
    listed = api.request("GET", "/api/v1/gateways", params={"use_case_id": use_case["id"]}).json()
    assert [g["id"] for g in listed["items"]] == ["zt-agv-01"]
    assert api.request("DELETE", "/api/v1/gateways/zt-agv-01").status_code == 204
    assert api.request("GET", "/api/v1/gateways/zt-agv-01").status_code == 404


@pytest.mark.parametrize("review_status", ["submitted", "rejected"])
def test_gateways_only_for_approved_use_cases(api: RegistryClient, review_status: str) -> None:
    use_case = api.create_use_case("agv", review_status=review_status)
    response = api.request(
        "POST", "/api/v1/gateways", json={"id": "gw-x1", "use_case_id": use_case["id"], "site_name": "s"}
    )
    assert response.status_code == 409
    assert "approved" in response.json()["error"]["message"]
    assert api.request("GET", "/api/v1/gateways").json()["total"] == 0


@pytest.mark.parametrize(
    ("gateway_id", "field"),
    [("GW-1", "body.id"), ("gw_1", "body.id"), ("g1", "body.id"), ("-gw1", "body.id"), ("a" * 65, "body.id")],
)
def test_bad_gateway_ids(api: RegistryClient, gateway_id: str, field: str) -> None:
    use_case = api.create_use_case("agv")
    body = {"id": gateway_id, "use_case_id": use_case["id"], "site_name": "s"}
    response = api.request("POST", "/api/v1/gateways", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field
    assert api.request("GET", "/api/v1/gateways").json()["total"] == 0


def test_bad_coordinates(api: RegistryClient) -> None:
    use_case = api.create_use_case("agv")
    body = {"id": "gw-geo", "use_case_id": use_case["id"], "site_name": "s", "latitude": 91}
    response = api.request("POST", "/api/v1/gateways", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "body.latitude"


def test_directory(api: RegistryClient) -> None:
    enterprise = api.create_enterprise(name="中天钢铁", city="常州", industry="钢铁")
    use_case = api.create_use_case("machine_vision", enterprise["id"], title="视觉质检")
    api.create_gateway("zt-vision-1", use_case["id"], latitude=31.81, longitude=119.97)
    api.create_gateway("zt-vision-2", use_case["id"], enabled=False)
    assert api.request("GET", "/api/v1/gateways/directory", token=None).status_code == 401
    response = api.request("GET", "/api/v1/gateways/directory", token="collector")
    assert response.status_code == 200
    body = response.json()
    datetime.fromisoformat(body["generated_at"])
    common = {
        "use_case_id": use_case["id"],
        "use_case": "视觉质检",
        "scenario": "machine_vision",
        "enterprise": "中天钢铁",
        "city": "常州",
        "industry": "钢铁",
        "sparkplug": None,  # not declared a Sparkplug edge node (tests/registry/test_sparkplug.py)
    }
    assert body["gateways"] == [
        {"id": "zt-vision-1", "enabled": True, **common, "latitude": 31.81, "longitude": 119.97},
        {"id": "zt-vision-2", "enabled": False, **common, "latitude": None, "longitude": None},
    ]
    # A use case that loses its approval disables its gateways in the directory.
    api.request("PATCH", f"/api/v1/usecases/{use_case['id']}", json={"review_status": "rejected"})
    entries = api.request("GET", "/api/v1/gateways/directory", token="staff").json()["gateways"]
    assert [entry["enabled"] for entry in entries] == [False, False]


def test_status_updates(api: RegistryClient) -> None:
    api.create_gateway("gw-s1")
    api.create_gateway("gw-s2")
    now = datetime.now(UTC).replace(microsecond=0)
    body = {
        "statuses": [
            {"id": "gw-s1", "online": True, "last_seen": now.isoformat()},
            {"id": "gw-ghost", "online": True, "last_seen": now.isoformat()},
            {"id": "gw-s2", "online": False, "last_seen": (now - timedelta(minutes=5)).isoformat()},
        ]
    }
    assert api.request("POST", "/api/v1/gateways/status", token=None, json=body).status_code == 401
    response = api.request("POST", "/api/v1/gateways/status", token="collector", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"updated": 2, "unknown": ["gw-ghost"]}
    s1 = api.request("GET", "/api/v1/gateways/gw-s1").json()
    assert s1["online"] is True
    assert datetime.fromisoformat(s1["last_seen_at"]) == now
    assert api.request("GET", "/api/v1/gateways/gw-s2").json()["online"] is False
    # A stale report does not move last_seen backwards.
    stale = {"statuses": [{"id": "gw-s1", "online": False, "last_seen": (now - timedelta(hours=1)).isoformat()}]}
    assert api.request("POST", "/api/v1/gateways/status", token="collector", json=stale).json()["updated"] == 0
    assert api.request("GET", "/api/v1/gateways/gw-s1").json()["online"] is True
    assert api.request("GET", "/api/v1/gateways", params={"online": True}).json()["total"] == 1


def test_bad_status_report_changes_nothing(api: RegistryClient) -> None:
    api.create_gateway("gw-s3")
    body = {"statuses": [{"id": "gw-s3", "online": True}, {"id": "gw-s3", "online": "maybe"}]}
    response = api.request("POST", "/api/v1/gateways/status", token="collector", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "body.statuses.1.online"
    assert api.request("GET", "/api/v1/gateways/gw-s3").json()["online"] is False
