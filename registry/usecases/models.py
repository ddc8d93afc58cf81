from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, UTCDateTime, enum_type, utcnow
from registry.enums import LifecycleStage, NetworkMode, ReviewStatus

if TYPE_CHECKING:
    from registry.enterprises.models import Enterprise
    from registry.gateways.models import Gateway
    from registry.scenarios.models import Scenario

TITLE_MAX = 300
DESCRIPTION_MAX = 5000
NOTE_MAX = 2000
RECOGNITION_MAX = 200
RECOGNITIONS_MAX = 20
SOURCE_DOCUMENT_MAX = 300
SOURCE_EXCERPT_MAX = 2000
SEED_KEY_MAX = 200


class UseCase(Base):
    __tablename__ = "use_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    scenario_key: Mapped[str] = mapped_column(ForeignKey("scenarios.key", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    network_mode: Mapped[NetworkMode] = mapped_column(enum_type(NetworkMode), index=True)
    operators: Mapped[list[str]] = mapped_column(JSON, default=list)  # Operator values
    stage: Mapped[LifecycleStage] = mapped_column(enum_type(LifecycleStage), index=True)
    review_status: Mapped[ReviewStatus] = mapped_column(
        enum_type(ReviewStatus), index=True, default=ReviewStatus.submitted
    )
    reviewer_note: Mapped[str | None] = mapped_column(Text)
    recognitions: Mapped[list[str]] = mapped_column(JSON, default=list)  # e.g. 省级试点, 绽放杯 award
    investment_cny: Mapped[int | None] = mapped_column(BigInteger)  # whole yuan
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    source_document: Mapped[str | None] = mapped_column(String(SOURCE_DOCUMENT_MAX))
    source_excerpt: Mapped[str | None] = mapped_column(Text)
    seed_key: Mapped[str | None] = mapped_column(String(SEED_KEY_MAX), unique=True)
    # An owner's edit of an approved use case, waiting for review (UseCaseUpdate fields in JSON form): the
    # approved version stays public and its gateways' telemetry flows until staff decide (issue 16.6).
    pending_revision: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, index=True)

    enterprise: Mapped[Enterprise] = relationship(back_populates="use_cases")
    scenario: Mapped[Scenario] = relationship()
    gateways: Mapped[list[Gateway]] = relationship(back_populates="use_case", passive_deletes="all")
