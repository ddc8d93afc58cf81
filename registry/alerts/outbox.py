"""The notification outbox: a transition writes one queued row per matching channel in the evaluator's
transaction; the dispatcher (delivery.py) sends them later, so a slow or failing channel never delays
evaluation and a crash between the two loses nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry.alerts.models import Alert, AlertChannel, DeliveryState, Notification


def channels_for(session: Session, use_case_id: int) -> list[AlertChannel]:
    """The use case's own channels and the staff-wide ones (use_case_id NULL)."""
    stmt = select(AlertChannel).where(
        AlertChannel.enabled.is_(True),
        or_(AlertChannel.use_case_id == use_case_id, AlertChannel.use_case_id.is_(None)),
    )
    return list(session.scalars(stmt.order_by(AlertChannel.id)))


def enqueue(session: Session, alert: Alert, event: str, now: datetime) -> int:
    channels = channels_for(session, alert.use_case_id)
    for channel in channels:
        session.add(
            Notification(
                channel_id=channel.id,
                alert_id=alert.id,
                event=event,
                state=DeliveryState.queued,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(channels)
