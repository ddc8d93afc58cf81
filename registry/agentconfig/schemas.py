from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from i5g import contract
from registry.agentconfig.models import REASON_MAX


class AgentConfigIn(BaseModel):
    """The gateway's desired agent configuration: only the keys it sets, laid over the gateway's own file."""

    model_config = ConfigDict(extra="forbid")

    config: dict[str, Any] = Field(
        description="keys of the agent's remotely settable model (edge_agent.settings.RemoteConfig): interval_s "
        "(seconds, 0-3600), log_level (DEBUG, INFO, WARNING, ERROR), sources.<host|probe|modem_mm|modem_quectel|"
        "modbus|simulated>.<option> (e.g. sources.probe.targets). Not settable: the broker connection, the "
        "identity, credentials, storage, sources.modem_mm.mmcli and sources.modem_quectel.port",
        examples=[{"interval_s": 5, "sources": {"probe": {"enabled": True, "targets": ["10.0.0.1:443"]}}}],
    )


class AgentConfigOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    gateway_id: str
    topic: str
    version: int = Field(description="0: no desired configuration set yet")
    config: dict[str, Any]
    updated_at: datetime | None
    updated_by: str | None
    applied_version: int | None = Field(description="the version the agent last reported running")
    rejected_version: int | None
    rejected_reason: str | None
    reported_at: datetime | None
    state: Literal["none", "pending", "applied", "rejected"]


class ConfigRejection(BaseModel):
    version: int | None = None
    reason: str = Field(max_length=REASON_MAX)


def empty_out(gateway_id: str) -> AgentConfigOut:
    return AgentConfigOut(
        gateway_id=gateway_id,
        topic=contract.config_topic(gateway_id),
        version=0,
        config={},
        updated_at=None,
        updated_by=None,
        applied_version=None,
        rejected_version=None,
        rejected_reason=None,
        reported_at=None,
        state="none",
    )
