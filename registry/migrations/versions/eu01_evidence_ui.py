"""evidence ui: enterprises get their GB/T 4754-2017 division (industry_code), backfilled

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


def downgrade() -> None:
    with op.batch_alter_table("enterprises") as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_industry_code"))
        batch_op.drop_column("industry_code")
