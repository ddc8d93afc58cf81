"""Scenarios: the database copy of i5g/scenarios.py, refreshed by `sync_scenarios` (run by `i5g registry
migrate`). i5g/scenarios.py stays the source of truth; the table exists for foreign keys and queries."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from i5g import scenarios as taxonomy
from registry.errors import NotFound
from registry.scenarios.models import Scenario
from registry.usecases.models import UseCase


@dataclasses.dataclass(frozen=True)
class SyncResult:
    added: list[str]
    updated: list[str]
    removed: list[str]
    kept_in_use: list[str]  # gone from the taxonomy but still referenced by use cases


def sync_scenarios(session: Session) -> SyncResult:
    existing = {s.key: s for s in session.scalars(select(Scenario))}
    added: list[str] = []
    updated: list[str] = []
    for key, source in taxonomy.SCENARIOS.items():
        values = {
            "name_zh": source.name_zh,
            "name_en": source.name_en,
            "description": source.description,
            "miit": list(source.miit),
            "requirements": [dataclasses.asdict(r) for r in source.requirements],
        }
        row = existing.get(key)
        if row is None:
            session.add(Scenario(key=key, **values))
            added.append(key)
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            updated.append(key)
    removed: list[str] = []
    kept: list[str] = []
    for key, row in existing.items():
        if key in taxonomy.SCENARIOS:
            continue
        if session.scalar(select(UseCase.id).where(UseCase.scenario_key == key).limit(1)) is None:
            session.delete(row)
            removed.append(key)
        else:
            kept.append(key)
    session.flush()
    return SyncResult(added, updated, removed, kept)


def list_scenarios(session: Session) -> list[Scenario]:
    return list(session.scalars(select(Scenario).order_by(Scenario.key)))


def get_scenario(session: Session, key: str) -> Scenario:
    scenario = session.get(Scenario, key)
    if scenario is None:
        raise NotFound("scenario", key)
    return scenario
