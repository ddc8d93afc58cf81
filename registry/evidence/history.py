"""The review history of stage moves: when staff move a use case to "operating" or "demonstration", the edit
form shows them its evidence, and a `StageReview` row keeps a snapshot of what was shown (window,
availability, target, verdict) - so a later nomination can cite what the reviewer saw, whatever InfluxDB holds
by then. Written in the caller's transaction (the request edge commits it with the stage change)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from registry.db import Base, UTCDateTime, enum_type, utcnow
from registry.enums import LifecycleStage
from registry.evidence.schemas import UseCaseEvidence

# Stages a bureau cites as proof that the deployment works: moving into them records the evidence shown.
EVIDENCE_STAGES = frozenset({LifecycleStage.operating, LifecycleStage.demonstration})
# The card window kept in the snapshot: the longest one the reviewer saw (sustained operation is the point).
SNAPSHOT_WINDOWS = ("30d", "7d", "24h")


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


def snapshot_of(card: dict[str, UseCaseEvidence] | None) -> UseCaseEvidence | None:
    if not card:
        return None
    return next((card[name] for name in SNAPSHOT_WINDOWS if name in card), None)


def record_stage_move(
    session: Session,
    use_case_id: int,
    reviewer_id: int | None,
    from_stage: LifecycleStage,
    to_stage: LifecycleStage,
    card: dict[str, UseCaseEvidence] | None,
) -> StageReview:
    shown = snapshot_of(card)
    review = StageReview(
        use_case_id=use_case_id,
        reviewer_id=reviewer_id,
        from_stage=from_stage,
        to_stage=to_stage,
        window=shown.window if shown else None,
        availability_pct=shown.availability_pct if shown else None,
        availability_target_pct=shown.availability_target_pct if shown else None,
        compliant=shown.compliant if shown else None,
        samples=shown.samples if shown else None,
    )
    session.add(review)
    session.flush()
    return review


def stage_history(session: Session, use_case_id: int) -> list[StageReview]:
    stmt = select(StageReview).where(StageReview.use_case_id == use_case_id).order_by(StageReview.id.desc())
    return list(session.scalars(stmt))
