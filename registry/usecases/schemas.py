from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from registry.enterprises.schemas import EnterpriseSummary
from registry.enums import LifecycleStage, NetworkMode, Operator, ReviewStatus
from registry.fields import PartialUpdate, long_text, text
from registry.scenarios.models import KEY_MAX
from registry.usecases.models import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    RECOGNITION_MAX,
    RECOGNITIONS_MAX,
    SOURCE_DOCUMENT_MAX,
    SOURCE_EXCERPT_MAX,
    TITLE_MAX,
)

Operators = Annotated[list[Operator], Field(max_length=len(Operator))]
Recognitions = Annotated[list[text(RECOGNITION_MAX)], Field(max_length=RECOGNITIONS_MAX)]
InvestmentCNY = Annotated[int, Field(ge=0, le=10**15, description="whole yuan (CNY)")]


def _unique(values: list | None) -> list | None:
    """Drop repeated entries, keeping the first occurrence's order."""
    return None if values is None else list(dict.fromkeys(values))


def _end_not_before_start(end: date | None, info: ValidationInfo) -> date | None:
    start = info.data.get("start_date")
    if end is not None and start is not None and end < start:
        raise ValueError(f"end_date {end} is before start_date {start}")
    return end


class _OptionalFields(BaseModel):
    """Fields that are optional both when creating and when updating."""

    model_config = ConfigDict(extra="forbid")

    reviewer_note: long_text(NOTE_MAX) | None = None
    investment_cny: InvestmentCNY | None = None
    start_date: date | None = None
    end_date: date | None = None
    source_document: text(SOURCE_DOCUMENT_MAX) | None = None
    source_excerpt: long_text(SOURCE_EXCERPT_MAX) | None = None

    _dates = field_validator("end_date")(_end_not_before_start)
    _unique_lists = field_validator("operators", "recognitions", check_fields=False)(_unique)


class UseCaseCreate(_OptionalFields):
    enterprise_id: int = Field(gt=0)
    title: text(TITLE_MAX)
    scenario: text(KEY_MAX) = Field(description="scenario key, see GET /api/v1/scenarios")
    description: long_text(DESCRIPTION_MAX) = ""
    network_mode: NetworkMode
    operators: Operators = []
    stage: LifecycleStage
    review_status: ReviewStatus = ReviewStatus.submitted
    recognitions: Recognitions = []


class UseCaseUpdate(PartialUpdate, _OptionalFields):
    enterprise_id: int = Field(None, gt=0)  # type: ignore[assignment]
    title: text(TITLE_MAX) = None  # type: ignore[assignment]
    scenario: text(KEY_MAX) = None  # type: ignore[assignment]
    description: long_text(DESCRIPTION_MAX) = None  # type: ignore[assignment]
    network_mode: NetworkMode = None  # type: ignore[assignment]
    operators: Operators = None  # type: ignore[assignment]
    stage: LifecycleStage = None  # type: ignore[assignment]
    review_status: ReviewStatus = None  # type: ignore[assignment]
    recognitions: Recognitions = None  # type: ignore[assignment]


class UseCaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise: EnterpriseSummary
    title: str
    scenario: str = Field(validation_alias=AliasChoices("scenario_key", "scenario"))
    description: str
    network_mode: NetworkMode
    operators: list[Operator]
    stage: LifecycleStage
    review_status: ReviewStatus
    reviewer_note: str | None
    recognitions: list[str]
    investment_cny: int | None
    start_date: date | None
    end_date: date | None
    source_document: str | None
    source_excerpt: str | None
    created_at: datetime
    updated_at: datetime
