"""The audit trail: one row per change a person or a service made, never updated or deleted by the registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow

ACTOR_MAX = 254  # an e-mail address (RFC 5321) or a token name
ACTION_MAX = 64
TARGET_MAX = 64


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_target", "target_type", "target_id"),
        Index("ix_audit_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # "user", "token" or "system"
    actor: Mapped[str] = mapped_column(String(ACTOR_MAX))
    action: Mapped[str] = mapped_column(String(ACTION_MAX))  # e.g. "usecase.update", "gateway.rotate"
    target_type: Mapped[str] = mapped_column(String(TARGET_MAX))  # e.g. "usecase", "gateway"
    target_id: Mapped[str] = mapped_column(String(TARGET_MAX))
    # The enterprise the target belongs to (None for staff-wide objects), so owners can be shown their own.
    enterprise_id: Mapped[int | None] = mapped_column(index=True)
    # What changed: {"field": [old, new], ...} or any small JSON the action needs; never a secret.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
