"""The evidence domain's one table: what a reviewer was shown when moving a use case to operating / demonstration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, UTCDateTime, enum_type, utcnow
from registry.enums import LifecycleStage


class StageReview(Base):
    __tablename__ = "stage_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(ForeignKey("use_cases.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_stage: Mapped[LifecycleStage] = mapped_column(enum_type(LifecycleStage))
    to_stage: Mapped[LifecycleStage] = mapped_column(enum_type(LifecycleStage))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The snapshot; window None: telemetry was unavailable when the reviewer decided.
    window: Mapped[str | None] = mapped_column(String(8))
    availability_pct: Mapped[float | None] = mapped_column(Float)
    availability_target_pct: Mapped[float | None] = mapped_column(Float)
    compliant: Mapped[bool | None] = mapped_column(Boolean)
    samples: Mapped[int | None] = mapped_column(Integer)
