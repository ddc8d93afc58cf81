"""The use-case word index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), created by migration 0002 and
re-created by od01 where 0002 was skipped or ran as its SQLite-only first version."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

TABLE = "use_case_search"  # registry.usecases.search.INDEX_TABLE, which fills and queries it


def exists() -> bool:
    return sa.inspect(op.get_bind()).has_table(TABLE)


def create() -> None:
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


def drop() -> None:
    op.drop_table(TABLE) if op.get_bind().dialect.name != "sqlite" else op.execute(f"DROP TABLE {TABLE}")
