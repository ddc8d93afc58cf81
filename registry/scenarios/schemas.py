from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequirementOut(BaseModel):
    metric: str
    value: float
    unit: str
    direction: str  # "max": observed must be <= value; "min": >= value
    source: str
    kpi: str | None = None
    note: str = ""


class ScenarioOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    name_zh: str
    name_en: str
    description: str
    miit: list[str]
    requirements: list[RequirementOut]
