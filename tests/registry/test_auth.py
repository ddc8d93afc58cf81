"""Writes need a staff token; anonymous readers see approved use cases only; collectors use two endpoints."""

from __future__ import annotations

import pytest

from tests.registry.support import RegistryClient, enterprise_body

WRITES = [
    ("POST", "/api/v1/enterprises", enterprise_body()),
    ("PATCH", "/api/v1/enterprises/1", {"contact": "x"}),
    ("DELETE", "/api/v1/enterprises/1", None),
    ("POST", "/api/v1/usecases", {"title": "x"}),
    ("PATCH", "/api/v1/usecases/1", {"title": "x"}),
    ("DELETE", "/api/v1/usecases/1", None),
    ("POST", "/api/v1/gateways", {"id": "gw-1"}),
    ("PATCH", "/api/v1/gateways/gw-1", {"enabled": False}),
    ("DELETE", "/api/v1/gateways/gw-1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_need_a_staff_token(api: RegistryClient, method: str, path: str, body: dict | None) -> None:
    before = api.request("GET", "/api/v1/enterprises").json()["total"]
    anonymous = api.request(method, path, token=None, json=body)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["error"]["code"] == "unauthorized"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert api.request(method, path, token="i5g_forged", json=body).status_code == 401
    collector = api.request(method, path, token="collector", json=body)
    assert collector.status_code == 403
    assert collector.json()["error"]["code"] == "forbidden"
    assert api.request("GET", "/api/v1/enterprises").json()["total"] == before


def test_malformed_authorization_header(api: RegistryClient) -> None:
    response = api.request("GET", "/api/v1/usecases", token=None, headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]["message"]


def test_anonymous_readers_see_approved_use_cases_only(api: RegistryClient) -> None:
    approved = api.create_use_case("agv")
    submitted = api.create_use_case("agv", review_status="submitted")
    rejected = api.create_use_case("agv", review_status="rejected")
    public = api.request("GET", "/api/v1/usecases", token=None).json()
    assert [item["id"] for item in public["items"]] == [approved["id"]]
    assert public["total"] == 1
    # Asking for another status does not reveal it.
    assert (
        api.request("GET", "/api/v1/usecases", token=None, params={"review_status": "submitted"}).json()["total"] == 0
    )
    assert api.request("GET", f"/api/v1/usecases/{submitted['id']}", token=None).status_code == 404
    staff = api.request("GET", "/api/v1/usecases").json()
    assert {item["id"] for item in staff["items"]} == {approved["id"], submitted["id"], rejected["id"]}
    assert api.request("GET", f"/api/v1/usecases/{rejected['id']}").json()["review_status"] == "rejected"


def test_revoked_token_is_refused(api: RegistryClient, database_url: str) -> None:
    from registry.auth.service import create_token, revoke_token
    from registry.db import make_engine, make_sessionmaker, session_scope
    from registry.enums import TokenRole

    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        _, token = create_token(session, "temp-staff", TokenRole.staff)
    assert api.request("POST", "/api/v1/enterprises", token=token, json=enterprise_body()).status_code == 201
    with session_scope(factory) as session:
        revoke_token(session, "temp-staff")
    engine.dispose()
    response = api.request("POST", "/api/v1/enterprises", token=token, json=enterprise_body())
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]
