"""Recording audit events. Callers pass the session of the request's own transaction, so an event is stored
exactly when the change it describes is committed, and never for a change that was rolled back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from registry.audit.models import ACTOR_MAX, AuditEvent


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
