from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, utcnow

KEY_MAX = 64


class Scenario(Base):
    """A copy of i5g/scenarios.py (the source of truth), kept in the database so use cases can reference it
    with a foreign key. Written only by scenarios.service.sync_scenarios."""

    __tablename__ = "scenarios"

    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    miit: Mapped[list[str]] = mapped_column(JSON, default=list)  # MIIT typical scenarios (Chinese names)
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
