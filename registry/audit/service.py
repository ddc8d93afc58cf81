"""Recording audit events. Callers pass the session of the request's own transaction, so an event is stored
exactly when the change it describes is committed, and never for a change that was rolled back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from registry.audit.models import ACTOR_MAX, AuditEvent
from registry.pagination import PageRequest, fetch_page


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" (a web session), "token" (a REST API token) or "system" (a job, a CLI command)
    name: str  # the user's e-mail, the token's name or the job's name

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls("system", name)


def record(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: object,
    *,
    enterprise_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_kind=actor.kind,
        actor=actor.name[:ACTOR_MAX],
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        enterprise_id=enterprise_id,
        detail=detail or {},
    )
    session.add(event)
    return event


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for every field whose value differs (the usual `detail` of an update)."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


# Who made a change through a request. Service functions take `actor=` and default to SYSTEM (a job, the CLI,
# a test); every web and REST route passes the caller.
SYSTEM = Actor.system("registry")


def user_actor(user: Any) -> Actor:
    """A signed-in web user (anything with an `email`: the ORM user or the pages' snapshot of it)."""
    return Actor("user", user.email)


def token_actor(principal: Any) -> Actor:
    """A REST caller with an API token (the token's name; never the token itself)."""
    return Actor("token", principal.name)


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." ("usecase." = every use-case action)
    target_type: str | None = None
    target_id: str | None = None
    enterprise_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def _filtered(filters: AuditFilters) -> Select[tuple[AuditEvent]]:
    stmt = select(AuditEvent)
    if filters.actor:
        stmt = stmt.where(AuditEvent.actor == filters.actor.strip())
    if filters.action:
        if filters.action.endswith("."):
            stmt = stmt.where(AuditEvent.action.startswith(filters.action, autoescape=True))
        else:
            stmt = stmt.where(AuditEvent.action == filters.action)
    for column, value in (
        (AuditEvent.target_type, filters.target_type),
        (AuditEvent.target_id, filters.target_id),
    ):
        if value:
            stmt = stmt.where(column == value)
    if filters.enterprise_id is not None:
        stmt = stmt.where(AuditEvent.enterprise_id == filters.enterprise_id)
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(AuditEvent.at < filters.until)
    return stmt.order_by(AuditEvent.id.desc())


def list_events(session: Session, filters: AuditFilters, page: PageRequest) -> tuple[list[AuditEvent], int]:
    """Newest first."""
    return fetch_page(session, _filtered(filters), page)


def iter_events(session: Session, filters: AuditFilters) -> Iterator[AuditEvent]:
    """Every matching event (exports), fetched in batches, newest first."""
    yield from session.scalars(_filtered(filters).execution_options(yield_per=500))


def events_for_use_case(
    session: Session, use_case_id: int, gateway_ids: Iterable[str], enterprise_id: int | None
) -> list[AuditEvent]:
    """The events of one use case and its gateways, newest first; with `enterprise_id`, only those recorded
    under that enterprise (what its owner is shown on the use-case page)."""
    targets = or_(
        and_(AuditEvent.target_type == "usecase", AuditEvent.target_id == str(use_case_id)),
        and_(AuditEvent.target_type == "gateway", AuditEvent.target_id.in_(list(gateway_ids))),
    )
    stmt = select(AuditEvent).where(targets)
    if enterprise_id is not None:
        stmt = stmt.where(AuditEvent.enterprise_id == enterprise_id)
    return list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(USE_CASE_EVENTS_MAX)))


USE_CASE_EVENTS_MAX = 200


def plain(value: Any) -> Any:
    """A column value as JSON: enums as their value, dates as ISO text, lists copied."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def snapshot(row: object, names: Iterable[str]) -> dict[str, Any]:
    """{name: plain(value)} of the row's attributes: the `before` (and `after`) of an update's detail."""
    return {name: plain(getattr(row, name)) for name in names}


def as_utc(moment: datetime | None) -> datetime | None:
    """A filter bound without a zone is read as UTC (what `at` is stored in)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
