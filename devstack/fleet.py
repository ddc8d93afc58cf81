"""The demo fleet: one gateway per approved use case, registered in the registry, each with its own broker
identity, written to the credentials file `i5g agent simulate --credentials` reads.

The registry provisions the broker identity itself when it runs with I5G_BROKER_ADMIN_URL (the stack sets
it) and answers the create with the password, once. A gateway created by an earlier `up` keeps the password
saved in the credentials file; when that is lost (or the registry answers without one), the stack, which
holds the broker admin account, rotates the password directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.http import HttpError, request_json
from i5g import contract
from i5g.files import write_private

API = "/api/v1"
PAGE_SIZE = 200


# The demo must show every verdict of the deployment evidence within minutes (README "Deployment evidence"):
# the use cases with the lowest ids get these behaviours (edge_agent/sources/simulated.py BEHAVIOURS), in
# this order; every other gateway stays inside its profile ("steady": meets).
DEMO_BEHAVIOURS = ("sustained_breach", "brief_breaches", "silent")


def demo_behaviour(rank: int) -> str:
    return DEMO_BEHAVIOURS[rank] if rank < len(DEMO_BEHAVIOURS) else "steady"


@dataclass(frozen=True)
class FleetGateway:
    gateway_id: str
    use_case_id: int
    scenario: str
    password: str
    behaviour: str = "steady"

    def credentials(self) -> dict[str, Any]:
        return {
            "gateway_id": self.gateway_id,
            "password": self.password,
            "scenario": self.scenario,
            "behaviour": self.behaviour,
        }


def gateway_id_for(use_case_id: int, scenario: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", scenario.lower()).strip("-")
    gateway_id = f"demo-uc{use_case_id}-{slug}"[:64].rstrip("-")
    if not contract.is_gateway_id(gateway_id):
        raise ValueError(f"cannot build a gateway id for use case {use_case_id} ({scenario!r})")
    return gateway_id


def approved_use_cases(registry_url: str, token: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        url = f"{registry_url}{API}/usecases?review_status=approved&page={page}&page_size={PAGE_SIZE}"
        body = request_json("GET", url, token=token)
        items.extend(body["items"])
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


def saved_passwords(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return {entry["gateway_id"]: entry["password"] for entry in json.loads(path.read_text()) if entry.get("password")}


def register_fleet(
    registry_url: str,
    staff_token: str,
    credentials_path: Path,
    rotate_password: Callable[[str], str],
    limit: int | None = None,
) -> list[FleetGateway]:
    """Register (or find) one gateway per approved use case; write and return their credentials."""
    saved = saved_passwords(credentials_path)
    use_cases = sorted(approved_use_cases(registry_url, staff_token), key=lambda u: u["id"])
    if limit:
        use_cases = use_cases[:limit]
    fleet: list[FleetGateway] = []
    for rank, use_case in enumerate(use_cases):
        gateway_id = gateway_id_for(use_case["id"], use_case["scenario"])
        body = {"id": gateway_id, "use_case_id": use_case["id"], "site_name": f"demo site of use case {use_case['id']}"}
        password: str | None = None
        try:
            created = request_json("POST", f"{registry_url}{API}/gateways", token=staff_token, body=body)
            password = created.get("broker_password")
        except HttpError as exc:
            if exc.status != 409:  # 409: registered by an earlier `up`
                raise
            password = saved.get(gateway_id)
        password = password or rotate_password(gateway_id)
        fleet.append(FleetGateway(gateway_id, use_case["id"], use_case["scenario"], password, demo_behaviour(rank)))
    write_private(credentials_path, [gateway.credentials() for gateway in fleet])
    return fleet
