"""The `registry_server` fixture other parts (collector, stack) use."""

from __future__ import annotations

import httpx


def test_registry_server_fixture(registry_server) -> None:
    gateway = registry_server.create_gateway("fixture-gw-1")
    use_case = registry_server.request("GET", f"/api/v1/usecases/{gateway['use_case_id']}", token=None).json()
    assert use_case["review_status"] == "approved"
    second = registry_server.create_use_case("agv")
    assert second["scenario"] == "agv"
    response = httpx.get(
        f"{registry_server.url}/api/v1/gateways/directory",
        headers={"Authorization": f"Bearer {registry_server.collector_token}"},
    )
    assert [entry["id"] for entry in response.json()["gateways"]] == ["fixture-gw-1"]
    assert httpx.get(f"{registry_server.url}/healthz").status_code == 200
