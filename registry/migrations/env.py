"""Alembic environment, driven programmatically by registry.schema.migrate(url) (no alembic.ini needed)."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, event

import registry.models  # noqa: F401  (registers every table on Base.metadata)
from registry.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _include_name(name: str | None, type_: str, _parent: object) -> bool:
    # The FTS5 search index (and its shadow tables) is created by hand in 0002, not modelled.
    return not (type_ == "table" and name is not None and name.startswith("use_case_search"))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds tables for later migrations.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: call registry.schema.migrate(url)")
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table (create new, copy, DROP old, rename); with foreign keys enforced the DROP of
        # a referenced table (enterprises, use_cases) fails. SQLite's documented procedure for such changes:
        # foreign keys off outside the transaction, then foreign_key_check before the commit.
        event.listen(engine, "connect", _foreign_keys_off)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
    finally:
        engine.dispose()


def _foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run `i5g registry migrate`")
run_migrations_online()
