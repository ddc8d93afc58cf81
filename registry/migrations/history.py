"""Repairs of the version table that a database from an earlier release may carry, before Alembic reads it."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text


def drop_superseded_versions(script: ScriptDirectory, engine: Engine) -> list[str]:
    """Forget stamped revisions that are ancestors of another stamped one.

    For two minutes of history (commit 8ca95ae) 0002 and acc1 were separate branches, so a database from then is
    stamped with both. 0002 has since become acc1's parent, and Alembic refuses such a version table ("acc1
    overlaps with 0002"). 0002's work is then done (or repaired by od01), so its row is redundant."""
    with engine.begin() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return []
        stamped = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
        known = {revision.revision for revision in script.walk_revisions()}
        superseded = sorted(
            ancestor
            for head in stamped & known
            for ancestor in stamped - {head}
            if ancestor in {revision.revision for revision in script.iterate_revisions(head, "base")}
        )
        for revision in superseded:
            connection.execute(text("DELETE FROM alembic_version WHERE version_num = :r"), {"r": revision})
    return superseded
