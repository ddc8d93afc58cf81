from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_kind: str = Field(description='"user" (a web session), "token" (a REST API token) or "system"')
    actor: str = Field(description="the user's e-mail, the token's name or the job's name")
    action: str = Field(description='e.g. "usecase.review", "gateway.credentials.rotate", "claim.approve"')
    target_type: str
    target_id: str
    enterprise_id: int | None
    detail: dict[str, Any] = Field(description='what changed, e.g. {"stage": ["building", "operating"]}')
