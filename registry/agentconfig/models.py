"""A gateway's desired agent configuration (set through the registry) and what its agent last reported."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow
from registry.gateways.models import SLUG_MAX

REASON_MAX = 500  # i5g.contract.MAX_CONFIG_REASON_CHARS
ACTOR_MAX = 254


class AgentConfig(Base):
    __tablename__ = "agent_configs"

    gateway_id: Mapped[str] = mapped_column(
        String(SLUG_MAX), ForeignKey("gateways.id", ondelete="CASCADE"), primary_key=True
    )
    # Desired: the remotely set keys only (edge_agent.settings.RemoteConfig), laid over the gateway's own file.
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(ACTOR_MAX))
    # Reported by the agent on its status topic, carried by the collector (POST /api/v1/gateways/status).
    applied_version: Mapped[int | None] = mapped_column(Integer)
    rejected_version: Mapped[int | None] = mapped_column(Integer)
    rejected_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def state(self) -> str:
        """ "applied" once the agent runs this version, "rejected" when it refused it, else "pending"."""
        if self.applied_version == self.version:
            return "applied"
        if self.rejected_version == self.version:
            return "rejected"
        return "pending"
