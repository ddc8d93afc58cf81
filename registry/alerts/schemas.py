"""REST shapes of alerts, rules and channels (api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from i5g.alert_rules import RuleKind
from registry.alerts.models import NAME_MAX, SECRET_MAX, TARGET_MAX, AlertState, ChannelKind
from registry.fields import PartialUpdate, text

MAX_FOR_S = 7 * 86400
MAX_WINDOW_S = 30 * 86400
MAX_SILENCE_S = 30 * 86400


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    use_case_id: int
    kind: RuleKind
    kpi: str = Field(description="the KPI of a kpi_bound rule; empty for the other kinds")
    direction: str = Field(description="max: alert when the value is above threshold; min: below it")
    threshold: float
    for_s: float = Field(description="how long the condition must hold before the alert fires (pending until then)")
    window_s: int = Field(description="rolling window of availability, dead_letters and spool_backlog rules")
    enabled: bool
    updated_at: datetime


class RuleUpdate(PartialUpdate):
    threshold: float = Field(None, allow_inf_nan=False)  # type: ignore[assignment]
    for_s: float = Field(None, ge=0, le=MAX_FOR_S)  # type: ignore[assignment]
    window_s: int = Field(None, ge=60, le=MAX_WINDOW_S)  # type: ignore[assignment]
    enabled: bool = None  # type: ignore[assignment]


class AlertEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str = Field(description="pending, firing, resolved, acknowledged, silenced, notified, notify_failed")
    actor: str
    detail: dict[str, Any]


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rule_id: int
    use_case_id: int
    subject: str = Field(description="the gateway id, or usecase:<id> for use-case-wide rules (availability)")
    state: AlertState
    kind: RuleKind
    kpi: str
    value: float | None
    message: str
    started_at: datetime = Field(description="when the condition began")
    fired_at: datetime | None
    resolved_at: datetime | None
    acked_by: str | None
    acked_at: datetime | None
    silenced_until: datetime | None
    silenced_by: str | None


class AlertDetail(AlertOut):
    events: list[AlertEventOut]


class SilenceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: datetime | None = Field(None, description="silence notifications until this time (ISO 8601)")
    minutes: int | None = Field(None, ge=1, le=MAX_SILENCE_S // 60, description="or for this many minutes")


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use_case_id: int | None = Field(
        None, gt=0, description="the use case whose alerts go here; null: every alert (staff only)"
    )
    kind: ChannelKind
    name: text(NAME_MAX)
    target: str = Field(
        min_length=1,
        max_length=TARGET_MAX,
        description="http(s) URL of the webhook or robot (documented shapes: docs/alerts.md); for email an address",
    )
    secret: str | None = Field(
        None, max_length=SECRET_MAX, description="signing secret (webhook, DingTalk 加签, Feishu 签名校验); write-only"
    )
    enabled: bool = True


class ChannelUpdate(PartialUpdate):
    name: text(NAME_MAX) = None  # type: ignore[assignment]
    target: str = Field(None, min_length=1, max_length=TARGET_MAX)  # type: ignore[assignment]
    secret: str | None = Field(None, max_length=SECRET_MAX)
    enabled: bool = None  # type: ignore[assignment]


class ChannelOut(BaseModel):
    id: int
    use_case_id: int | None
    kind: ChannelKind
    name: str
    target: str = Field(description="scheme and host only (robot URLs carry their token), or the e-mail address")
    has_secret: bool
    enabled: bool
    last_ok_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    queued: int = Field(description="notifications waiting to be sent or retried")
    failed: int = Field(description="notifications given up after the last retry")
