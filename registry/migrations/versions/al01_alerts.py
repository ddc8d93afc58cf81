"""alerts: rules, alerts and their history, channels, the notification outbox, the evaluator lease (issue 19)

Revision ID: al01
Revises: au01
Create Date: 2026-11-30 02:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "al01"
down_revision: str | None = "au01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("use_case_id", sa.Integer(), sa.ForeignKey("use_cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("kpi", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("for_s", sa.Float(), nullable=False),
        sa.Column("window_s", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        _ts("updated_at", False),
        sa.UniqueConstraint("use_case_id", "kind", "kpi", name="uq_alert_rules_use_case_kind_kpi"),
    )
    op.create_index("ix_alert_rules_use_case_id", "alert_rules", ["use_case_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule_id", sa.Integer(), sa.ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False),
        sa.Column("use_case_id", sa.Integer(), sa.ForeignKey("use_cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("open_key", sa.String(104), nullable=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("message", sa.String(500), nullable=False),
        _ts("started_at", False),
        _ts("fired_at"),
        _ts("resolved_at"),
        sa.Column("acked_by", sa.String(254), nullable=True),
        _ts("acked_at"),
        _ts("silenced_until"),
        sa.Column("silenced_by", sa.String(254), nullable=True),
        sa.UniqueConstraint("open_key", name="uq_alerts_open_key"),
    )
    op.create_index("ix_alerts_rule_id", "alerts", ["rule_id"])
    op.create_index("ix_alerts_use_case_id", "alerts", ["use_case_id"])
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_index("ix_alerts_state_started", "alerts", ["state", "started_at"])
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        _ts("at", False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_alert_events_alert_id", "alert_events", ["alert_id"])
    op.create_table(
        "alert_channels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("use_case_id", sa.Integer(), sa.ForeignKey("use_cases.id", ondelete="CASCADE"), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        _ts("last_ok_at"),
        sa.Column("last_error", sa.String(500), nullable=True),
        _ts("last_error_at"),
        _ts("created_at", False),
    )
    op.create_index("ix_alert_channels_use_case_id", "alert_channels", ["use_case_id"])
    op.create_table(
        "alert_notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("alert_channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at", False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at", False),
        _ts("sent_at"),
    )
    op.create_index("ix_alert_notifications_channel_id", "alert_notifications", ["channel_id"])
    op.create_index("ix_alert_notifications_alert_id", "alert_notifications", ["alert_id"])
    op.create_index("ix_alert_notifications_due", "alert_notifications", ["state", "next_attempt_at"])
    op.create_table(
        "alert_leases",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        _ts("expires_at", False),
    )


def downgrade() -> None:
    for table in ("alert_leases", "alert_notifications", "alert_channels", "alert_events", "alerts", "alert_rules"):
        op.drop_table(table)
