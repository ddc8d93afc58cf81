"""The registry's schema: Alembic migrations to the newest revision, then the scenario table refreshed from
i5g/scenarios.py. It sits above the models (db.py, the models and the services know nothing of it)."""

from __future__ import annotations

from pathlib import Path

import registry.models  # noqa: F401  (every table and the search-index hook)
from registry.db import make_engine, make_sessionmaker, session_scope

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def migrate(url: str, revision: str = "heads") -> None:
    """Bring the schema at `url` to `revision` with Alembic: the only way the schema is created.

    "heads": parts of the registry (e.g. accounts) keep their own branch of revisions off the first one, so
    there may be several heads; all are applied."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not a main option: configparser would choke on '%' in passwords.
    config.attributes["database_url"] = url
    from alembic.script import ScriptDirectory

    from registry.migrations.history import drop_superseded_versions

    engine = make_engine(url)
    try:
        drop_superseded_versions(ScriptDirectory.from_config(config), engine)
    finally:
        engine.dispose()
    command.upgrade(config, revision)


def prepare_database(url: str) -> None:
    """Migrate to the newest schema and refresh the scenario table from i5g/scenarios.py: what
    `i5g registry migrate` does, and what tests and benchmarks call before using a database."""
    from registry.scenarios.service import sync_scenarios

    migrate(url)
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            sync_scenarios(session)
    finally:
        engine.dispose()
