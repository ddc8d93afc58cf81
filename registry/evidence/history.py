"""The review history of stage moves: when staff move a use case to "operating" or "demonstration", the edit
form shows them its evidence, and a `StageReview` row keeps a snapshot of what was shown (window,
availability, target, verdict) - so a later nomination can cite what the reviewer saw, whatever InfluxDB holds
by then. Written in the caller's transaction (the request edge commits it with the stage change)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.enums import LifecycleStage
from registry.evidence.models import StageReview
from registry.evidence.schemas import UseCaseEvidence

# Stages a bureau cites as proof that the deployment works: moving into them records the evidence shown.
EVIDENCE_STAGES = frozenset({LifecycleStage.operating, LifecycleStage.demonstration})
# The card window kept in the snapshot: the longest one the reviewer saw (sustained operation is the point).
SNAPSHOT_WINDOWS = ("30d", "7d", "24h")


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
