from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from i5g import contract
from i5g.contract import GATEWAY_ID_PATTERN
from registry.agentconfig.schemas import ConfigRejection
from registry.fields import PartialUpdate, text
from registry.gateways.models import HARDWARE_MAX, SITE_MAX, SLUG_MAX
from registry.sparkplug.schemas import SparkplugDirectoryEntry

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

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        # The pattern already refuses upper case and every non-ASCII look-alike; these are the ids it admits
        # that name the platform's own services (the broker accounts live in their own namespace anyway).
        if contract.is_reserved_gateway_id(value):
            raise ValueError("this id is reserved for the platform's own services")
        return value


class GatewayUpdate(PartialUpdate):
    use_case_id: int = Field(None, gt=0)  # type: ignore[assignment]
    site_name: text(SITE_MAX) = None  # type: ignore[assignment]
    hardware: text(HARDWARE_MAX) | None = None
    latitude: float | None = Latitude
    longitude: float | None = Longitude
    enabled: bool = None  # type: ignore[assignment]


class PasswordRotation(BaseModel):
    """Optional body of a rotation: a password generated on the gateway (and already in its password file),
    so the agent has it before the broker switches. 32-128 URL-safe characters (`secrets.token_urlsafe(24)`)."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(None, min_length=32, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")


class GatewayCredentials(BaseModel):
    """A gateway's new MQTT login, answered once by a password rotation and stored nowhere."""

    id: str
    broker_username: str
    broker_password: str


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
    # provisions broker identities: the MQTT password, shown this once, for the MQTT username (and client id)
    # broker_username = "gw." + gateway id (i5g.contract.broker_username).
    broker_password: str | None = None
    broker_username: str | None = None
    # With the password: the gateway's ready agent configuration (agent.toml, no secret in it) and the
    # commands that install and start the agent with it (registry/gateways/agent_config.py).
    agent_config: str | None = None
    install_commands: list[str] | None = None
    broker_ca_pem: str | None = None  # save as ca.pem next to agent.toml when the broker's CA is private

    @model_validator(mode="after")
    def _username_with_password(self) -> GatewayOut:
        if self.broker_password and not self.broker_username:
            self.broker_username = contract.broker_username(self.id)
        return self


class DirectoryEntry(BaseModel):
    id: str
    enabled: bool = Field(
        description="false when the gateway is disabled or its use case is not approved; informational: the "
        "collector stores the samples of every registered gateway (the broker is what keeps a disabled one out)"
    )
    use_case_id: int
    use_case: str
    scenario: str
    enterprise: str
    city: str
    industry: str
    # Site coordinates, for the collector's gateway_status points (the dashboards' geomap); null when unknown.
    latitude: float | None = None
    longitude: float | None = None
    # Set when the gateway is declared a Sparkplug B edge node: group_id, edge_node_id and the metric mapping
    # (registry/sparkplug/schemas.py), which the collector applies to its NBIRTH/NDATA/DBIRTH/DDATA.
    sparkplug: SparkplugDirectoryEntry | None = None


class Directory(BaseModel):
    gateways: list[DirectoryEntry]
    generated_at: datetime


class GatewayStatus(BaseModel):
    # Not pattern-checked: an id the registry does not know is reported back, not a reason to reject the batch.
    id: str = Field(min_length=1, max_length=200)
    online: bool
    last_seen: datetime | None = None
    # From the agent's status topic (remote configuration, registry/agentconfig): the version it runs and the
    # last one it refused, with why.
    applied_version: int | None = Field(None, ge=0)
    config_rejected: ConfigRejection | None = None


class GatewayStatusBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statuses: list[GatewayStatus] = Field(max_length=MAX_STATUSES)


class StatusResult(BaseModel):
    updated: int
    unknown: list[str]
