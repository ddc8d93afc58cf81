from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_validator

from registry.enterprises.creditcode import credit_code_problem
from registry.enterprises.models import CONTACT_MAX, INDUSTRY_MAX, NAME_MAX, PLACE_MAX
from registry.fields import PartialUpdate, text


def _normalise_credit_code(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if not code:
        return None
    problem = credit_code_problem(code)
    if problem:
        raise ValueError(f"not a valid unified social credit code: {problem}")
    return code


class EnterpriseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: text(NAME_MAX)
    name_en: text(NAME_MAX) | None = None
    city: text(PLACE_MAX)
    province: text(PLACE_MAX)
    industry: text(INDUSTRY_MAX)
    credit_code: str | None = None
    contact: text(CONTACT_MAX) | None = None

    _credit_code = field_validator("credit_code")(_normalise_credit_code)


class EnterpriseUpdate(PartialUpdate):
    """Partial update: only the fields sent are changed."""

    name: text(NAME_MAX) = None  # type: ignore[assignment]
    name_en: text(NAME_MAX) | None = None
    city: text(PLACE_MAX) = None  # type: ignore[assignment]
    province: text(PLACE_MAX) = None  # type: ignore[assignment]
    industry: text(INDUSTRY_MAX) = None  # type: ignore[assignment]
    credit_code: str | None = None
    contact: text(CONTACT_MAX) | None = None

    _credit_code = field_validator("credit_code")(_normalise_credit_code)


class EnterpriseSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    name_en: str | None
    city: str
    province: str
    industry: str


class EnterpriseOut(EnterpriseSummary):
    credit_code: str | None
    contact: str | None
    created_at: datetime
    updated_at: datetime
