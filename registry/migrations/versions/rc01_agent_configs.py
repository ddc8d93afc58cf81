"""agent_configs: desired remote agent configuration per gateway and what the agent reported (issue 19)

Revision ID: rc01
Revises: al01
Create Date: 2026-11-30 02:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rc01"
down_revision: str | None = "al01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_configs",
        sa.Column("gateway_id", sa.String(64), sa.ForeignKey("gateways.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=False),
        sa.Column("applied_version", sa.Integer(), nullable=True),
        sa.Column("rejected_version", sa.Integer(), nullable=True),
        sa.Column("rejected_reason", sa.String(500), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("agent_configs")
