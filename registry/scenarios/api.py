from __future__ import annotations

from fastapi import APIRouter

from registry.db_session import SessionDep
from registry.scenarios import service
from registry.scenarios.schemas import ScenarioOut

router = APIRouter(prefix="/scenarios", tags=["scenarios"])


@router.get("", response_model=list[ScenarioOut], summary="Every scenario with its KPI requirement profile")
def list_scenarios(session: SessionDep) -> list[ScenarioOut]:
    return [ScenarioOut.model_validate(s) for s in service.list_scenarios(session)]


@router.get("/{key}", response_model=ScenarioOut)
def get_scenario(session: SessionDep, key: str) -> ScenarioOut:
    return ScenarioOut.model_validate(service.get_scenario(session, key))
