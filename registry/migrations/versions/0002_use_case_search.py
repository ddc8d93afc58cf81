"""use case search: a word index per database (FTS5 on SQLite, tsvector + GIN on PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "use_case_search"  # registry.usecases.search.INDEX_TABLE, which fills and queries it


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # The text is pre-segmented (one token per CJK character); unicode61 splits it on spaces.
        op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(body, tokenize = 'unicode61')")
    else:
        op.create_table(
            TABLE,
            sa.Column(
                "use_case_id",
                sa.Integer(),
                sa.ForeignKey("use_cases.id", ondelete="CASCADE", name="fk_use_case_search_use_case_id_use_cases"),
                primary_key=True,
            ),
            sa.Column("document", postgresql.TSVECTOR(), nullable=False),
        )
        op.create_index("ix_use_case_search_document", TABLE, ["document"], postgresql_using="gin")
    from registry.usecases.search import rebuild_index

    rebuild_index(bind)


def downgrade() -> None:
    op.drop_table(TABLE) if op.get_bind().dialect.name != "sqlite" else op.execute(f"DROP TABLE {TABLE}")
