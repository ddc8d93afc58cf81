"""enterprises.name_key: names compared on their normalised form (issue 16.8); use_cases.pending_revision: an
owner's edit of an approved use case waits for review beside the live version (issue 16.6)

Revision ID: si01
Revises: eu01
Create Date: 2026-11-29 23:50:00

Adds the column, fills it for every existing row with registry.fields.name_key (as the model keeps it from now
on), then makes it NOT NULL with a unique index. Rows already stored that differ only invisibly (the bug this
fixes) cannot both have the same key: the later one (higher id) gets "#<id>" appended to its key, so the upgrade
never fails on old data and staff can merge or rename them; the migration logs which.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from registry.fields import name_key

revision: str = "si01"
down_revision: str | None = "eu01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table("use_cases") as batch:
        batch.add_column(sa.Column("pending_revision", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("enterprises") as batch:
        batch.add_column(sa.Column("name_key", sa.Text(), nullable=True))
    bind = op.get_bind()
    enterprises = sa.table(
        "enterprises", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("name_key", sa.Text)
    )
    taken: dict[str, int] = {}
    for row_id, name in bind.execute(sa.select(enterprises.c.id, enterprises.c.name).order_by(enterprises.c.id)):
        key = name_key(name)
        if key in taken:
            log.warning(
                "enterprise %s %r has the same normalised name as enterprise %s: rename or merge",
                row_id,
                name,
                taken[key],
            )
            key = f"{key}#{row_id}"
        taken.setdefault(key, row_id)
        bind.execute(sa.update(enterprises).where(enterprises.c.id == row_id).values(name_key=key))
    with op.batch_alter_table("enterprises") as batch:
        batch.alter_column("name_key", existing_type=sa.Text(), nullable=False)
        batch.create_unique_constraint(op.f("uq_enterprises_name_key"), ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("use_cases") as batch:
        batch.drop_column("pending_revision")
    with op.batch_alter_table("enterprises") as batch:
        batch.drop_constraint(op.f("uq_enterprises_name_key"), type_="unique")
        batch.drop_column("name_key")
