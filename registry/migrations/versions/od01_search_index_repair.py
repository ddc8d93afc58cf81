"""search index repair: create the use-case word index where an earlier schema lacks it

Databases created before 0002 was placed before acc1 (e.g. commit ae39fa5: 0001 -> acc1) are stamped acc1,
so Alembic never runs 0002 on them; databases created while 0002 was SQLite-only (8ca95ae, b4c343d) are
stamped past 0002 on PostgreSQL without the table. Either way every search failed. This revision creates the
index (and fills it) only where it is missing, so any earlier schema reaches the same head.

Revision ID: od01
Revises: sa01
Create Date: 2026-11-30 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from registry.migrations import search_index

revision: str = "od01"
down_revision: str | None = "sa01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if not search_index.exists():
        search_index.create()


def downgrade() -> None:
    pass  # a repair: the index belongs to 0002, which drops it
