"""Every schema a user could have upgrades to the newest one, and search works on it (issue 18).

Each case builds a database with the migration files exactly as they were at an earlier commit (read with
`git show <commit>:registry/migrations/...` into a temp dir and run by Alembic as that commit ran them), stores
a use case, upgrades with today's `prepare_database`, then searches through the API. No tags exist; the
historic schemas are the commits that changed registry/migrations before the chain settled:

- c53e19c: the first schema (0001 only) - the oldest a user could have.
- ae39fa5: 0001 -> acc1, before 0002 was slotted in between - the pre-release reported in issue 18. Stamped
  acc1, so Alembic skipped 0002 and every search answered 500.
- 8ca95ae: 0002 and acc1 as two branches off 0001, both stamped (Alembic now calls that "overlapping"), and
  0002 created the index on SQLite only.
- b4c343d: 0001 -> 0002 -> acc1, but 0002 created the index on SQLite only: PostgreSQL lacked it.

Needs the repository's history (CI runs in a full checkout); a shallow clone fails here, loudly.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import insert, inspect

from registry.db import make_engine, make_sessionmaker, session_scope, utcnow
from registry.schema import prepare_database
from tests.registry.support import TemplateDatabases, make_tokens

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = "registry/migrations"
HISTORIC_SCHEMAS = ["c53e19c", "ae39fa5", "8ca95ae", "b4c343d"]
TITLE = "历史库里的机器视觉质检"


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"git {args}: {result.stderr} (needs the full history, not a shallow clone)"
    return result.stdout


def _migrations_at(commit: str, target: Path) -> Path:
    for path in _git("ls-tree", "-r", "--name-only", commit, MIGRATIONS).split():
        out = target / Path(path).relative_to(MIGRATIONS)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_git("show", f"{commit}:{path}"))
    return target


def _migrate_with(script_location: Path, url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["database_url"] = url
    command.upgrade(config, "heads")


def _store_use_case(url: str) -> None:
    """A use case written as the old release would have: Core inserts, so today's ORM search hook (which would
    need the missing index) stays out of it; where that release had the index, its hook had filled it."""
    from registry.enterprises.models import Enterprise
    from registry.scenarios.service import sync_scenarios
    from registry.usecases.models import UseCase
    from registry.usecases.search import INDEX_TABLE, rebuild_index

    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            sync_scenarios(session)
            now = utcnow()
            enterprise_id = session.execute(
                insert(Enterprise.__table__).values(
                    name="历史企业", city="常州", province="江苏", industry="钢铁", created_at=now, updated_at=now
                )
            ).inserted_primary_key[0]
            session.execute(
                insert(UseCase.__table__).values(
                    enterprise_id=enterprise_id,
                    title=TITLE,
                    scenario_key="machine_vision",
                    description="",
                    network_mode="vpn",
                    operators=[],
                    stage="operating",
                    review_status="approved",
                    recognitions=[],
                    created_at=now,
                    updated_at=now,
                )
            )
            if inspect(session.connection()).has_table(INDEX_TABLE):
                rebuild_index(session.connection())
    finally:
        engine.dispose()


@pytest.mark.parametrize("commit", HISTORIC_SCHEMAS)
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_historic_schema_upgrades_to_head_and_search_works(
    commit: str, kind: str, template_databases: TemplateDatabases, tmp_path: Path
) -> None:
    from registry.app import create_app
    from registry.settings import RegistrySettings

    url = template_databases.empty(kind)
    _migrate_with(_migrations_at(commit, tmp_path / "migrations"), url)
    _store_use_case(url)

    prepare_database(url)

    engine = make_engine(url)
    try:
        assert inspect(engine).has_table("use_case_search")
    finally:
        engine.dispose()
    staff, _collector = make_tokens(url)
    app = create_app(RegistrySettings(database_url=url))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {staff}"}
        for q in ("机器视觉", "历史企业"):
            response = client.get("/api/v1/usecases", params={"q": q}, headers=headers)
            assert response.status_code == 200, response.text
            assert [item["title"] for item in response.json()["items"]] == [TITLE], q
        created = client.post(
            "/api/v1/usecases",
            headers=headers,
            json={
                "enterprise_id": 1,
                "title": "升级后新登记的AGV",
                "scenario": "agv",
                "network_mode": "vpn",
                "stage": "building",
            },
        )
        assert created.status_code == 201, created.text
        found = client.get("/api/v1/usecases", params={"q": "升级后"}, headers=headers).json()["items"]
        assert [item["title"] for item in found] == ["升级后新登记的AGV"]
    app.state.engine.dispose()
