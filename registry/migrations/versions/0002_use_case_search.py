"""use case search: FTS5 index on SQLite (PostgreSQL searches with ILIKE and needs nothing)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    from registry.usecases.search import INDEX_TABLE, rebuild_index

    # The text is pre-segmented by registry.usecases.search (one token per CJK character); unicode61 splits it.
    op.execute(f"CREATE VIRTUAL TABLE {INDEX_TABLE} USING fts5(body, tokenize = 'unicode61')")
    rebuild_index(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS use_case_search")
