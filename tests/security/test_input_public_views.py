"""Issue 16.7: anonymous callers see the public fields of enterprises only, and only enterprises that have an
approved use case; staff see everything. Every anonymous GET route of the API (from its OpenAPI document) and
every public page is swept for the contact details, on the real registry (uvicorn)."""

from __future__ import annotations

import re

import pytest

from registry.evidence.settings import EvidenceSettings
from tests.registry.support import RegistryServer

PUBLIC_FIELDS = {
    "id",
    "name",
    "name_en",
    "city",
    "province",
    "industry",
    "industry_code",
    "industry_class",
    "industry_class_en",
}
SECRETS = {
    "approved": "李四 13900000001 li.approved@example.com",
    "signed_up": "王五 13900000002 wang.signedup@example.com",
    "submitted": "赵六 13900000003 zhao.submitted@example.com",
}
CREDIT_CODE = "91350100M000100Y43"  # the valid example code tests/registry uses


@pytest.fixture
def world(registry_server: RegistryServer) -> dict[str, int]:
    ids: dict[str, int] = {}
    for kind, contact in SECRETS.items():
        extra = {"credit_code": CREDIT_CODE} if kind == "approved" else {}
        ids[kind] = registry_server.create_enterprise(contact=contact, **extra)["id"]
    ids["use_case"] = registry_server.create_use_case(enterprise_id=ids["approved"])["id"]
    registry_server.create_use_case(enterprise_id=ids["submitted"], review_status="submitted")
    ids["gateway"] = 0
    registry_server.create_gateway("gw-public-view", use_case_id=ids["use_case"])
    return ids


def _leaks(text: str) -> list[str]:
    found = [secret for secret in SECRETS.values() for part in secret.split() if part in text and "@" in part]
    found += [number for number in re.findall(r"1390000000\d", text)]
    return found + ([CREDIT_CODE] if CREDIT_CODE in text else [])


@pytest.mark.parametrize("token", [None, "collector"])
def test_non_staff_see_public_fields_of_listed_enterprises_only(
    registry_server: RegistryServer, world: dict[str, int], token: str | None
) -> None:
    listing = registry_server.request("GET", "/api/v1/enterprises", token=token, params={"page_size": 200})
    assert listing.status_code == 200, listing.text
    items = listing.json()["items"]
    assert [item["id"] for item in items] == [world["approved"]]
    assert listing.json()["total"] == 1
    assert set(items[0]) == PUBLIC_FIELDS
    assert _leaks(listing.text) == []

    one = registry_server.request("GET", f"/api/v1/enterprises/{world['approved']}", token=token)
    assert one.status_code == 200 and set(one.json()) == PUBLIC_FIELDS
    for hidden in ("signed_up", "submitted"):
        answer = registry_server.request("GET", f"/api/v1/enterprises/{world[hidden]}", token=token)
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "not_found"


def test_staff_see_every_enterprise_with_contacts(registry_server: RegistryServer, world: dict[str, int]) -> None:
    listing = registry_server.request("GET", "/api/v1/enterprises", params={"page_size": 200}).json()
    contacts = {item["id"]: item["contact"] for item in listing["items"]}
    assert contacts == {world[kind]: contact for kind, contact in SECRETS.items()}
    one = registry_server.request("GET", f"/api/v1/enterprises/{world['signed_up']}").json()
    assert one["contact"] == SECRETS["signed_up"]


def test_no_anonymous_route_or_page_shows_contacts(
    registry_server: RegistryServer, world: dict[str, int], influxdb
) -> None:
    # Evidence routes read a real (empty) InfluxDB: without one they answer 503 by design.
    registry_server.app.state.evidence_settings = EvidenceSettings(influx_url=influxdb.url, database=influxdb.database)
    ids = {
        "enterprise_id": world["approved"],
        "use_case_id": world["use_case"],
        "gateway_id": "gw-public-view",
        "key": "machine_vision",
        "alert_id": 1,  # staff/owner routes: an anonymous caller must get 401, never a contact
        "claim_id": 1,
    }
    schema = registry_server.request("GET", "/openapi.json", token=None).json()
    paths = [path.format(**ids) for path, ops in schema["paths"].items() if "get" in ops]
    paths += ["/api/v1/usecases/export?format=csv", "/api/v1/usecases/export?format=json"]
    for kind in ("signed_up", "submitted"):  # even addressed directly
        paths.append(f"/api/v1/enterprises/{world[kind]}")
        paths.append(f"/api/v1/usecases?enterprise_id={world[kind]}")
    pages = ["/", f"/usecases/{world['use_case']}", "/?q=example.com", "/?q=1390000000"]
    checked = 0
    for path in paths + pages:
        response = registry_server.request("GET", path, token=None, headers={"Accept": "text/html"})
        assert response.status_code < 500, (path, response.status_code)
        assert _leaks(response.text) == [], (path, _leaks(response.text))
        checked += 1
    assert checked >= 15
