from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from registry.usecases.models import UseCase

SLUG_MAX = 64
SITE_MAX = 200
HARDWARE_MAX = 200


class Gateway(Base):
    __tablename__ = "gateways"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"),
    )

    # The slug (i5g.contract.GATEWAY_ID_PATTERN) is the MQTT client id, broker user and topic level.
    id: Mapped[str] = mapped_column(String(SLUG_MAX), primary_key=True)
    use_case_id: Mapped[int] = mapped_column(ForeignKey("use_cases.id", ondelete="RESTRICT"), index=True)
    site_name: Mapped[str] = mapped_column(String(SITE_MAX))
    hardware: Mapped[str | None] = mapped_column(String(HARDWARE_MAX))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), index=True)
    # Reported by the collector (POST /api/v1/gateways/status).
    online: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    use_case: Mapped[UseCase] = relationship(back_populates="gateways")
