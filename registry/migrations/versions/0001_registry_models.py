"""registry models: enterprises, use cases, gateways, scenarios, city figures, API tokens

Revision ID: 0001
Revises: -
Create Date: 2026-11-21 14:09:16.477285
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "role", sa.Enum("staff", "collector", name="tokenrole", native_enum=False, length=32), nullable=False
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("name", name=op.f("uq_api_tokens_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "city_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("province", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source_document", sa.String(length=300), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("seed_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_figures")),
        sa.UniqueConstraint("seed_key", name=op.f("uq_city_figures_seed_key")),
    )
    with op.batch_alter_table("city_figures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_city_figures_city"), ["city"], unique=False)
        batch_op.create_index(batch_op.f("ix_city_figures_metric"), ["metric"], unique=False)
        batch_op.create_index(batch_op.f("ix_city_figures_province"), ["province"], unique=False)
        batch_op.create_index(batch_op.f("ix_city_figures_year"), ["year"], unique=False)

    op.create_table(
        "enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("province", sa.String(length=64), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("seed_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprises_credit_code")),
        sa.UniqueConstraint("name", name=op.f("uq_enterprises_name")),
        sa.UniqueConstraint("seed_key", name=op.f("uq_enterprises_seed_key")),
    )
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprises_city"), ["city"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprises_industry"), ["industry"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprises_province"), ["province"], unique=False)

    op.create_table(
        "scenarios",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("miit", sa.JSON(), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_scenarios")),
    )
    op.create_table(
        "use_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("scenario_key", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "network_mode",
            sa.Enum(
                "public_5g",
                "vpn",
                "hybrid_private",
                "dedicated_private",
                name="networkmode",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("operators", sa.JSON(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "planned",
                "negotiating",
                "signed",
                "building",
                "operating",
                "demonstration",
                name="lifecyclestage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "review_status",
            sa.Enum("submitted", "approved", "rejected", name="reviewstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reviewer_note", sa.Text(), nullable=True),
        sa.Column("recognitions", sa.JSON(), nullable=False),
        sa.Column("investment_cny", sa.BigInteger(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("source_document", sa.String(length=300), nullable=True),
        sa.Column("source_excerpt", sa.Text(), nullable=True),
        sa.Column("seed_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_use_cases_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["scenario_key"], ["scenarios.key"], name=op.f("fk_use_cases_scenario_key_scenarios"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_use_cases")),
        sa.UniqueConstraint("seed_key", name=op.f("uq_use_cases_seed_key")),
    )
    with op.batch_alter_table("use_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_use_cases_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_use_cases_network_mode"), ["network_mode"], unique=False)
        batch_op.create_index(batch_op.f("ix_use_cases_review_status"), ["review_status"], unique=False)
        batch_op.create_index(batch_op.f("ix_use_cases_scenario_key"), ["scenario_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_use_cases_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_use_cases_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "gateways",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("site_name", sa.String(length=200), nullable=False),
        sa.Column("hardware", sa.String(length=200), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("online", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name=op.f("ck_gateways_latitude_range")
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name=op.f("ck_gateways_longitude_range")
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"], ["use_cases.id"], name=op.f("fk_gateways_use_case_id_use_cases"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateways")),
    )
    with op.batch_alter_table("gateways", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gateways_enabled"), ["enabled"], unique=False)
        batch_op.create_index(batch_op.f("ix_gateways_online"), ["online"], unique=False)
        batch_op.create_index(batch_op.f("ix_gateways_use_case_id"), ["use_case_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("gateways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gateways_use_case_id"))
        batch_op.drop_index(batch_op.f("ix_gateways_online"))
        batch_op.drop_index(batch_op.f("ix_gateways_enabled"))

    op.drop_table("gateways")
    with op.batch_alter_table("use_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_use_cases_updated_at"))
        batch_op.drop_index(batch_op.f("ix_use_cases_stage"))
        batch_op.drop_index(batch_op.f("ix_use_cases_scenario_key"))
        batch_op.drop_index(batch_op.f("ix_use_cases_review_status"))
        batch_op.drop_index(batch_op.f("ix_use_cases_network_mode"))
        batch_op.drop_index(batch_op.f("ix_use_cases_enterprise_id"))

    op.drop_table("use_cases")
    op.drop_table("scenarios")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_province"))
        batch_op.drop_index(batch_op.f("ix_enterprises_industry"))
        batch_op.drop_index(batch_op.f("ix_enterprises_city"))

    op.drop_table("enterprises")
    with op.batch_alter_table("city_figures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_city_figures_year"))
        batch_op.drop_index(batch_op.f("ix_city_figures_province"))
        batch_op.drop_index(batch_op.f("ix_city_figures_metric"))
        batch_op.drop_index(batch_op.f("ix_city_figures_city"))

    op.drop_table("city_figures")
    op.drop_table("api_tokens")
