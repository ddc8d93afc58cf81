"""The evaluator's lease: a row in the registry database (alert_leases). One replica holds it and renews it
every round; the others find it held and stay idle until it has not been renewed for its TTL, then one of
them takes it over. Acquiring is one conditional UPDATE (or the INSERT of the first holder), so two replicas
can never both believe they hold it: the database serialises the statements and only one matches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.alerts.models import EvaluatorLease

EVALUATOR = "evaluator"


def acquire(session: Session, holder: str, ttl_s: float, now: datetime, name: str = EVALUATOR) -> bool:
    """Take or renew the lease; True when `holder` holds it until now + ttl_s. Commit follows at the caller."""
    expires = now + timedelta(seconds=ttl_s)
    result = session.execute(
        update(EvaluatorLease)
        .where(
            EvaluatorLease.name == name,
            or_(EvaluatorLease.holder == holder, EvaluatorLease.expires_at < now),
        )
        .values(holder=holder, expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return True
    if session.get(EvaluatorLease, name) is not None:
        return False  # held by another replica and not expired
    try:
        with session.begin_nested():
            session.add(EvaluatorLease(name=name, holder=holder, expires_at=expires))
    except IntegrityError:  # another replica inserted it first
        return False
    return True


def release(session: Session, holder: str, name: str = EVALUATOR) -> None:
    """Give the lease up at a clean shutdown, so another replica takes over at once rather than after the TTL."""
    session.execute(
        update(EvaluatorLease)
        .where(EvaluatorLease.name == name, EvaluatorLease.holder == holder)
        .values(expires_at=datetime(1970, 1, 1, tzinfo=UTC))
        .execution_options(synchronize_session=False)
    )
