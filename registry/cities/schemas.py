from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class CityFigureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    city: str
    province: str
    metric: str
    value: float
    unit: str
    year: int | None
    as_of: date | None
    description: str
    source_document: str | None
    source_excerpt: str | None


class CityOut(BaseModel):
    city: str
    province: str
    figures: int
