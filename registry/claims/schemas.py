from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from registry.claims.models import MESSAGE_MAX, NOTE_MAX, ClaimStatus
from registry.enterprises.models import CONTACT_MAX, NAME_MAX
from registry.enterprises.schemas import EnterpriseSummary, normalise_credit_code
from registry.fields import long_text, name_text, text


class ClaimCreate(BaseModel):
    """What a claimant sends: the enterprise's registered name or its unified social credit code (one is
    enough: the name is looked up first; staff compare what you give with the record), and how staff can check
    who is asking."""

    model_config = ConfigDict(extra="forbid")

    name: name_text(NAME_MAX) | None = None
    credit_code: str | None = Field(None, description="unified social credit code, 18 characters (GB 32100-2015)")
    contact: text(CONTACT_MAX) | None = None
    message: long_text(MESSAGE_MAX) = Field("", description="who you are and how the staff can verify it")

    _credit_code = field_validator("credit_code")(normalise_credit_code)

    @model_validator(mode="after")
    def _names_one(self) -> ClaimCreate:
        if not self.name and not self.credit_code:
            raise ValueError("give the enterprise's registered name or its unified social credit code")
        return self


class ClaimDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    note: long_text(NOTE_MAX) = Field("", description="required when rejecting; shown to the claimant")

    @model_validator(mode="after")
    def _note_on_reject(self) -> ClaimDecision:
        if self.decision == "reject" and not self.note:
            raise ValueError("a rejection needs a note for the claimant")
        return self


class ClaimMine(BaseModel):
    """A claimant's view of its own claim."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_name: str
    status: ClaimStatus
    reviewer_note: str | None
    created_at: datetime
    decided_at: datetime | None


class ClaimOut(BaseModel):
    """The staff view: what the claimant said beside what the registry holds, to compare."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise: EnterpriseSummary
    enterprise_credit_code: str | None = Field(description="the credit code on record, to compare")
    status: ClaimStatus
    email: str
    from_account: bool = Field(description="made from an existing account (its enterprise is merged on approval)")
    credit_code: str | None = Field(description="the credit code the claimant gave")
    contact: str | None
    message: str
    reviewer_note: str | None
    decided_by: str | None
    created_at: datetime
    decided_at: datetime | None
