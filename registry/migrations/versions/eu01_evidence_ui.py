"""evidence ui: enterprises get their GB/T 4754-2017 division (industry_code), backfilled; stage_reviews keeps
the evidence a reviewer saw when moving a use case to operating / demonstration

Revision ID: eu01
Revises: od01
Create Date: 2026-11-29 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "eu01"
down_revision: str | None = "od01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies (a migration must not change when the application's tables do). Seeded rows by their seed
# key (what seeds/enterprises.yaml says on the day of this migration); other rows by the wording they carry,
# only where a wording names one division. Rows matching neither stay NULL, shown as "unclassified".
_BY_SEED_KEY = {
    "zhongtian-steel": "C31",
    "jingyan-technology": "C39",
    "tianhui-space": "I65",
    "goke-microelectronics": "I65",
    "casicloud": "I64",
    "suwen-electric": "I65",
    "tianzheng-industrial": "I65",
    "guangtai-airport-equipment": "C35",
    "tianrun-industry": "C36",
    "yunxiang-embroidery": "C17",
    "bmw-brilliance": "C36",
    "aerospace-mitsubishi": "C36",
    "liaoning-zhenchang": "C38",
    "tbea-shenyang-transformer": "C38",
    "siasun-robot": "C34",
    "northeast-pharmaceutical": "C27",
    "sailun-shenyang-tire": "C29",
    "shenyang-turbo": "C34",
    "crrc-shenyang": "C37",
    "taikeyi": "C39",
    "huatian-technology": "C39",
    "hailin": "C34",
    "changcheng-tianshui-electric": "C38",
    "ruiyang-technology": "I65",
    "tianshui-forging-machine-tool": "C34",
    "tianshui-changcheng-juice": "C15",
}
_STAGES = ("planned", "negotiating", "signed", "building", "operating", "demonstration")
_BY_WORDING = {
    "钢铁": "C31",
    "汽车": "C36",
    "汽车零部件": "C36",
    "汽车及零部件": "C36",
    "纺织": "C17",
    "医药": "C27",
    "电子设备制造": "C39",
    "电子信息": "C39",
    "轨道交通装备": "C37",
    "轴承制造": "C34",
    "电气设备": "C38",
    "软件和信息技术服务": "I65",
    "食品饮料": "C15",
    "家电": "C38",
}


def upgrade() -> None:
    with op.batch_alter_table("enterprises") as batch_op:
        batch_op.add_column(sa.Column("industry_code", sa.String(length=3), nullable=True))
        batch_op.create_index(batch_op.f("ix_enterprises_industry_code"), ["industry_code"], unique=False)
    enterprises = sa.table(
        "enterprises", sa.column("seed_key", sa.String), sa.column("industry", sa.String), sa.column("industry_code")
    )
    for wording, code in _BY_WORDING.items():
        op.execute(enterprises.update().where(enterprises.c.industry == wording).values(industry_code=code))
    for key, code in _BY_SEED_KEY.items():
        op.execute(enterprises.update().where(enterprises.c.seed_key == key).values(industry_code=code))

    op.create_table(
        "stage_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("from_stage", sa.Enum(*_STAGES, name="lifecyclestage", native_enum=False, length=32), nullable=False),
        sa.Column("to_stage", sa.Enum(*_STAGES, name="lifecyclestage", native_enum=False, length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window", sa.String(length=8), nullable=True),
        sa.Column("availability_pct", sa.Float(), nullable=True),
        sa.Column("availability_target_pct", sa.Float(), nullable=True),
        sa.Column("compliant", sa.Boolean(), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["use_case_id"], ["use_cases.id"], name=op.f("fk_stage_reviews_use_case_id_use_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_stage_reviews_reviewer_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_reviews")),
    )
    with op.batch_alter_table("stage_reviews") as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_reviews_use_case_id"), ["use_case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("stage_reviews")
    with op.batch_alter_table("enterprises") as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_industry_code"))
        batch_op.drop_column("industry_code")
