"""accounts: web users (enterprise users and staff)

Revision ID: acc1
Revises: 0002
Create Date: 2026-11-21 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "acc1"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role", sa.Enum("enterprise", "staff", name="userrole", native_enum=False, length=32), nullable=False
        ),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(role = 'enterprise' AND enterprise_id IS NOT NULL) OR (role = 'staff' AND enterprise_id IS NULL)",
            name=op.f("ck_users_role_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_users_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_enterprise_id"), "users", ["enterprise_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_users_enterprise_id"), table_name="users")
    op.drop_table("users")
