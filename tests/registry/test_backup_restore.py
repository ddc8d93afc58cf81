"""The documented PostgreSQL backup and restore (deploy/backup/, quoted by docs/operations.md) round-trips a
registry on a throw-away server (issue 18: a bare `pg_restore -d i5g` failed with 63 errors on the running
database). Data written, backup, more changes (and a table a newer release might add), registry stopped,
restore, migrate, registry started: it serves exactly the backed-up state, search included."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from devstack.postgres import find_pg_bin
from registry.db import make_engine
from registry.schema import prepare_database
from tests.registry.support import RegistryServer, TemplateDatabases

pytestmark = pytest.mark.postgres

BACKUP_DIR = Path(__file__).resolve().parents[2] / "deploy" / "backup"


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    # The server's own client binaries first: pg_dump refuses a server newer than itself.
    env = {**os.environ, "PATH": f"{find_pg_bin()}:{os.environ['PATH']}"}
    return subprocess.run(
        [str(BACKUP_DIR / script), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _titles(server: RegistryServer, **params: str) -> list[str]:
    response = server.request("GET", "/api/v1/usecases", params=params)
    assert response.status_code == 200, response.text
    return sorted(item["title"] for item in response.json()["items"])


def test_backup_then_restore_over_the_live_database(template_databases: TemplateDatabases, tmp_path: Path) -> None:
    url = template_databases.fresh("postgresql")
    dump = tmp_path / "registry.dump"
    server = RegistryServer(url).start()
    try:
        kept = server.create_use_case(title="备份前的机器视觉质检")
        backed_up = _run("registry-pg-backup", _libpq(url), str(dump))
        assert backed_up.returncode == 0, backed_up.stderr
        assert stat.S_IMODE(dump.stat().st_mode) == 0o600

        server.create_use_case(title="备份后的AGV调度")
        renamed = server.request("PATCH", f"/api/v1/usecases/{kept['id']}", json={"title": "备份后改名"})
        assert renamed.status_code == 200, renamed.text
        assert _titles(server) == sorted(["备份后的AGV调度", "备份后改名"])
    finally:
        server.stop()
    engine = make_engine(url)
    try:
        with engine.begin() as connection:  # what a newer release might have added since the backup
            connection.exec_driver_sql("CREATE TABLE from_a_newer_release (id integer)")
    finally:
        engine.dispose()

    not_a_dump = tmp_path / "notes.txt"
    not_a_dump.write_text("not a dump")
    refused = _run("registry-pg-restore", str(not_a_dump), _libpq(url))
    assert refused.returncode != 0

    restored = _run("registry-pg-restore", str(dump), _libpq(url))
    assert restored.returncode == 0, restored.stderr
    prepare_database(url)  # `i5g registry migrate`, as the procedure says

    server = RegistryServer(url).start()  # new tokens: the restored database still accepts new ones
    try:
        assert _titles(server) == ["备份前的机器视觉质检"]
        assert _titles(server, q="机器视觉") == ["备份前的机器视觉质检"]
        assert _titles(server, q="AGV") == []
        assert server.create_use_case(title="恢复后新登记")["id"] > kept["id"]  # sequences restored too
    finally:
        server.stop()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            leftover = connection.exec_driver_sql("SELECT to_regclass('public.from_a_newer_release')").scalar()
        assert leftover is None
    finally:
        engine.dispose()
