from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from i5g.contract import GATEWAY_ID_PATTERN
from registry.fields import PartialUpdate, text
from registry.gateways.models import HARDWARE_MAX, SITE_MAX, SLUG_MAX

MAX_STATUSES = 10_000

Latitude = Field(None, ge=-90, le=90)
Longitude = Field(None, ge=-180, le=180)


class GatewayCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        pattern=GATEWAY_ID_PATTERN,
        min_length=3,
        max_length=SLUG_MAX,
        description="slug: lowercase a-z, 0-9 and inner hyphens, 3-64 characters (the MQTT client id)",
    )
    use_case_id: int = Field(gt=0)
    site_name: text(SITE_MAX)
    hardware: text(HARDWARE_MAX) | None = None
    latitude: float | None = Latitude
    longitude: float | None = Longitude
    enabled: bool = True


class GatewayUpdate(PartialUpdate):
    use_case_id: int = Field(None, gt=0)  # type: ignore[assignment]
    site_name: text(SITE_MAX) = None  # type: ignore[assignment]
    hardware: text(HARDWARE_MAX) | None = None
    latitude: float | None = Latitude
    longitude: float | None = Longitude
    enabled: bool = None  # type: ignore[assignment]


class GatewayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    use_case_id: int
    site_name: str
    hardware: str | None
    latitude: float | None
    longitude: float | None
    enabled: bool
    online: bool
    last_seen_at: datetime | None
    created_at: datetime
    # Set only in the answer to the create (or re-enable of a gateway the broker had lost) when the registry
    # provisions broker identities: the MQTT password, shown this once. The MQTT username is the gateway id.
    broker_password: str | None = None
    # With the password: the gateway's ready agent configuration (agent.toml, no secret in it) and the
    # commands that install and start the agent with it (registry/gateways/agent_config.py).
    agent_config: str | None = None
    install_commands: list[str] | None = None
    broker_ca_pem: str | None = None  # save as ca.pem next to agent.toml when the broker's CA is private


class DirectoryEntry(BaseModel):
    id: str
    enabled: bool = Field(description="false when the gateway is disabled or its use case is not approved")
    use_case_id: int
    use_case: str
    scenario: str
    enterprise: str
    city: str
    industry: str
    # Site coordinates, for the collector's gateway_status points (the dashboards' geomap); null when unknown.
    latitude: float | None = None
    longitude: float | None = None


class Directory(BaseModel):
    gateways: list[DirectoryEntry]
    generated_at: datetime


class GatewayStatus(BaseModel):
    # Not pattern-checked: an id the registry does not know is reported back, not a reason to reject the batch.
    id: str = Field(min_length=1, max_length=200)
    online: bool
    last_seen: datetime | None = None


class StatusReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statuses: list[GatewayStatus] = Field(max_length=MAX_STATUSES)


class StatusResult(BaseModel):
    updated: int
    unknown: list[str]
