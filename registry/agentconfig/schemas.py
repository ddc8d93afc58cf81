from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from registry.agentconfig.models import REASON_MAX


class AgentConfigIn(BaseModel):
    """The gateway's desired agent configuration: only the keys it sets, laid over the gateway's own file."""

    model_config = ConfigDict(extra="forbid")

    config: dict[str, Any] = Field(
        description="keys of the agent's remotely settable model (edge_agent.settings.RemoteConfig): interval_s "
        "(seconds, 0-3600), log_level (DEBUG, INFO, WARNING, ERROR), sources.<host|probe|modem_mm|modem_quectel|"
        "modbus|simulated>.<option> (e.g. sources.probe.targets). Not settable: the broker connection, the "
        "identity, credentials, storage, and source options naming files, programs, devices or credentials "
        "(edge_agent.settings.LOCAL_ONLY_KEYS)",
        examples=[{"interval_s": 5, "sources": {"probe": {"enabled": True, "targets": ["10.0.0.1:443"]}}}],
    )


class AgentConfigOut(BaseModel):
    gateway_id: str
    topic: str
    version: int = Field(0, description="0: no desired configuration set yet")
    config: dict[str, Any] = {}
    updated_at: datetime | None = None
    updated_by: str | None = None
    applied_version: int | None = Field(None, description="the version the agent last reported running")
    rejected_version: int | None = None
    rejected_reason: str | None = None
    reported_at: datetime | None = None
    state: Literal["none", "pending", "applied", "rejected"] = "none"


class ConfigRejection(BaseModel):
    version: int | None = None
    reason: str = Field(max_length=REASON_MAX)
