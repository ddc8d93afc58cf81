"""Alert rules (per use case, defaults from the scenario profile), alerts with their history, notification
channels, the notification outbox and the evaluator's lease. docs/alerts.md describes them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, UTCDateTime, enum_type, utcnow

SUBJECT_MAX = 80
NAME_MAX = 100
TARGET_MAX = 500  # a webhook URL or an e-mail address
SECRET_MAX = 200
ERROR_MAX = 500
MESSAGE_MAX = 500


class AlertState(StrEnum):
    pending = "pending"
    firing = "firing"
    resolved = "resolved"


class ChannelKind(StrEnum):
    webhook = "webhook"
    dingtalk = "dingtalk"
    wecom = "wecom"
    feishu = "feishu"
    email = "email"


class DeliveryState(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"  # gave up after the last retry; kept and shown


class AlertRule(Base):
    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("use_case_id", "kind", "kpi", name="uq_alert_rules_use_case_kind_kpi"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(ForeignKey("use_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # i5g.alert_rules.RuleKind
    kpi: Mapped[str] = mapped_column(String(64), default="")  # kpi_bound only; "" otherwise (unique key)
    direction: Mapped[str] = mapped_column(String(3), default="max")  # "max": value must be <= threshold
    threshold: Mapped[float] = mapped_column(Float)
    for_s: Mapped[float] = mapped_column(Float, default=0.0)  # how long the condition must hold to fire
    window_s: Mapped[int] = mapped_column(Integer, default=0)  # rolling window (availability, counts)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_state_started", "state", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"), index=True)
    use_case_id: Mapped[int] = mapped_column(ForeignKey("use_cases.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))  # a gateway id, or "usecase:<id>"
    # "<rule>:<subject>" while the alert is open, NULL once resolved: the unique index allows one open alert
    # per rule and subject on every database (NULLs never collide), so a flapping condition cannot storm.
    open_key: Mapped[str | None] = mapped_column(String(SUBJECT_MAX + 24), unique=True)
    state: Mapped[AlertState] = mapped_column(enum_type(AlertState), index=True)
    value: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the condition began
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acked_by: Mapped[str | None] = mapped_column(String(254))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    silenced_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    silenced_by: Mapped[str | None] = mapped_column(String(254))

    rule: Mapped[AlertRule] = relationship()
    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", order_by="AlertEvent.id", passive_deletes=True
    )


class AlertEvent(Base):
    """The alert's full history: pending, firing, resolved, acknowledged, silenced, notified."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(254), default="evaluator")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    alert: Mapped[Alert] = relationship(back_populates="events")


class AlertChannel(Base):
    """Where notifications go. `use_case_id` set: that use case's alerts (its owner manages it); NULL: every
    alert (staff only). `secret` signs (webhook, DingTalk, Feishu); it is never shown back or logged."""

    __tablename__ = "alert_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int | None] = mapped_column(ForeignKey("use_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChannelKind] = mapped_column(enum_type(ChannelKind))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    target: Mapped[str] = mapped_column(String(TARGET_MAX))
    secret: Mapped[str | None] = mapped_column(String(SECRET_MAX))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """The outbox: one row per (transition, channel), delivered with retries by the evaluator's dispatcher."""

    __tablename__ = "alert_notifications"
    __table_args__ = (Index("ix_alert_notifications_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(16))  # "firing" or "resolved"
    state: Mapped[DeliveryState] = mapped_column(enum_type(DeliveryState), default=DeliveryState.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    channel: Mapped[AlertChannel] = relationship()
    alert: Mapped[Alert] = relationship()


class EvaluatorLease(Base):
    """One row per lease name: the evaluator replica holding it until `expires_at` does the work."""

    __tablename__ = "alert_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
