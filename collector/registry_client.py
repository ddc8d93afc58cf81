"""The two registry endpoints the collector uses (role `collector`, bearer token)."""

from __future__ import annotations

from typing import Any

import httpx

DIRECTORY_PATH = "/api/v1/gateways/directory"
STATUS_PATH = "/api/v1/gateways/status"


class RegistryClient:
    def __init__(self, base_url: str, token: str, timeout_s: float) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s)

    def fetch_directory(self) -> dict[str, Any]:
        response = self._http.get(DIRECTORY_PATH)
        response.raise_for_status()
        return response.json()

    def post_statuses(self, statuses: list[dict[str, Any]]) -> None:
        response = self._http.post(STATUS_PATH, json={"statuses": statuses})
        response.raise_for_status()

    def close(self) -> None:
        self._http.close()
