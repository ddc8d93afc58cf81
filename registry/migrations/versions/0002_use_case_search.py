"""use case search: a word index per database (FTS5 on SQLite, tsvector + GIN on PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from registry.migrations import search_index

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    search_index.create()


def downgrade() -> None:
    search_index.drop()
