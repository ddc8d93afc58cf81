"""sparkplug_nodes, sparkplug_metric_maps: gateways declared as Sparkplug B edge nodes (issue 15)

Revision ID: sp01
Revises: rc01
Create Date: 2026-11-30 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sp01"
down_revision: str | None = "rc01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sparkplug_nodes",
        sa.Column("gateway_id", sa.String(64), sa.ForeignKey("gateways.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("group_id", sa.String(64), nullable=False),
        sa.Column("edge_node_id", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("group_id", "edge_node_id", name="uq_sparkplug_nodes_group_node"),
    )
    op.create_table(
        "sparkplug_metric_maps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "gateway_id",
            sa.String(64),
            sa.ForeignKey("sparkplug_nodes.gateway_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("kpi", sa.String(32), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("offset", sa.Float(), nullable=False),
        sa.UniqueConstraint("gateway_id", "device_id", "metric", name="uq_sparkplug_metric_maps_metric"),
    )
    op.create_index("ix_sparkplug_metric_maps_gateway_id", "sparkplug_metric_maps", ["gateway_id"])


def downgrade() -> None:
    op.drop_table("sparkplug_metric_maps")
    op.drop_table("sparkplug_nodes")
