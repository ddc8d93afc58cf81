from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from registry.enterprises import industry_class
from registry.enterprises.creditcode import credit_code_problem
from registry.enterprises.models import CONTACT_MAX, INDUSTRY_MAX, NAME_MAX, PLACE_MAX
from registry.fields import PartialUpdate, name_text, text


def normalise_credit_code(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if not code:
        return None
    problem = credit_code_problem(code)
    if problem:
        raise ValueError(f"not a valid unified social credit code: {problem}")
    return code


def _check_industry_code(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if not code:
        return None
    problem = industry_class.code_problem(code)
    if problem:
        raise ValueError(problem)
    return code


INDUSTRY_CODE_DOC = (
    "GB/T 4754-2017 division code, e.g. C36 (汽车制造业); when left out it is derived from `industry` where that "
    "wording names one division"
)


class _OptionalFields(BaseModel):
    """Fields that are optional both when creating and when updating."""

    model_config = ConfigDict(extra="forbid")

    name_en: name_text(NAME_MAX) | None = None
    credit_code: str | None = Field(None, description="unified social credit code, 18 characters (GB 32100-2015)")
    contact: text(CONTACT_MAX) | None = None
    industry_code: str | None = Field(None, description=INDUSTRY_CODE_DOC)

    _credit_code = field_validator("credit_code")(normalise_credit_code)
    _industry_code = field_validator("industry_code")(_check_industry_code)


class EnterpriseCreate(_OptionalFields):
    name: name_text(NAME_MAX)
    city: text(PLACE_MAX)
    province: text(PLACE_MAX)
    industry: text(INDUSTRY_MAX)


class EnterpriseUpdate(PartialUpdate, _OptionalFields):
    """Partial update: only the fields sent are changed."""

    name: name_text(NAME_MAX) = None  # type: ignore[assignment]
    city: text(PLACE_MAX) = None  # type: ignore[assignment]
    province: text(PLACE_MAX) = None  # type: ignore[assignment]
    industry: text(INDUSTRY_MAX) = None  # type: ignore[assignment]


class EnterpriseSummary(BaseModel):
    """The public fields of an enterprise: what anyone may see (also inside every use case)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    name_en: str | None
    city: str
    province: str
    industry: str = Field(description="the industry in the source's (or the enterprise's) own words")
    industry_code: str | None = Field(description="GB/T 4754-2017 division code")

    @computed_field(description="GB/T 4754-2017 division name, Chinese")  # type: ignore[prop-decorator]
    @property
    def industry_class(self) -> str | None:
        division = industry_class.get(self.industry_code)
        return division.zh if division else None

    @computed_field(description="GB/T 4754-2017 division name, English")  # type: ignore[prop-decorator]
    @property
    def industry_class_en(self) -> str | None:
        division = industry_class.get(self.industry_code)
        return division.en if division else None


class EnterprisePublic(EnterpriseSummary):
    """What anonymous and collector callers get from /api/v1/enterprises: public fields only. Extra keys are
    refused so that the staff view (EnterpriseOut) can never be answered under this name by mistake."""

    model_config = ConfigDict(from_attributes=True, extra="forbid", title="EnterprisePublic")


class EnterpriseOut(EnterpriseSummary):
    """The staff view: contact details and the credit code too."""

    credit_code: str | None
    contact: str | None
    created_at: datetime
    updated_at: datetime
