"""The loader on a fresh migrated SQLite registry: loads everything, is idempotent, updates in place, serves
the citations through the API, and writes nothing from a malformed catalog."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from i5g.cli import CommandError
from i5g.cli import main as i5g_main
from registry.cities.models import CityFigure
from registry.db import make_engine, make_sessionmaker
from registry.enterprises.models import Enterprise
from registry.enums import ReviewStatus
from registry.seeding.loader import SeedReport, load_catalog, run_seed
from registry.seeding.schema import Catalog, CatalogError, load_catalog_dir
from registry.usecases.models import UseCase


def _seed(url: str, catalog: Catalog) -> SeedReport:
    # Explicit commit: returning from inside `for session in transaction(...)` would close the generator at
    # its yield, which rolls back.
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    try:
        report = load_catalog(session, catalog)
        session.commit()
        return report
    finally:
        session.close()
        engine.dispose()


@pytest.fixture
def session_for(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    session = make_sessionmaker(engine)()
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_catalog_loads_into_a_fresh_database(database_url: str, catalog: Catalog, session_for: Session) -> None:
    report = _seed(database_url, catalog)
    assert len(report.kind("enterprises").added) == len(catalog.enterprises)
    assert len(report.kind("use_cases").added) == len(catalog.use_cases)
    assert len(report.kind("figures").added) == len(catalog.figures)
    assert _count(session_for, UseCase) == len(catalog.use_cases)
    assert _count(session_for, CityFigure) == len(catalog.figures)
    for use_case in session_for.scalars(select(UseCase)):
        record = catalog.use_cases[use_case.seed_key]
        assert use_case.review_status is ReviewStatus.approved
        assert use_case.source_document == record.source and use_case.source_excerpt == record.excerpt
        assert use_case.scenario_key == record.scenario
        assert use_case.enterprise.seed_key == record.enterprise
    target = session_for.scalar(select(CityFigure).where(CityFigure.seed_key == "changzhou-2025-target-base-stations"))
    assert target is not None and target.metric == "target_base_stations" and target.value == 25000


def test_seeding_twice_changes_nothing(database_url: str, catalog: Catalog, session_for: Session) -> None:
    _seed(database_url, catalog)
    before = {u.seed_key: (u.id, u.updated_at) for u in session_for.scalars(select(UseCase))}
    session_for.close()
    again = _seed(database_url, catalog)
    assert again.changed == 0
    assert all(not k.added and not k.updated for k in again.kinds.values())
    after = {u.seed_key: (u.id, u.updated_at) for u in session_for.scalars(select(UseCase))}
    assert after == before
    assert _count(session_for, Enterprise) == len(catalog.enterprises)


def test_a_changed_entry_updates_in_place(database_url: str, seeds_copy: Path, session_for: Session) -> None:
    _seed(database_url, load_catalog_dir(seeds_copy))
    key = "shenyang-siasun-inspection-robot"
    original = session_for.scalar(select(UseCase).where(UseCase.seed_key == key))
    assert original is not None
    original_id = original.id
    session_for.close()

    path = seeds_copy / "usecases.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "    stage: planned\n    source: 002_9d9c010e28f7871f.txt\n    excerpt: 推进新松机器人",
            "    stage: building\n    source: 002_9d9c010e28f7871f.txt\n    excerpt: 推进新松机器人",
        ),
        encoding="utf-8",
    )
    report = _seed(database_url, load_catalog_dir(seeds_copy))
    assert report.kind("use_cases").updated == [key]
    assert report.changed == 1
    row = session_for.scalar(select(UseCase).where(UseCase.seed_key == key))
    assert row is not None and row.id == original_id and row.stage == "building"
    assert _count(session_for, UseCase) == len(load_catalog_dir(seeds_copy).use_cases)


def test_the_api_lists_every_seeded_use_case_with_its_citation(database_url: str, catalog: Catalog) -> None:
    from registry.app import create_app
    from registry.settings import RegistrySettings

    _seed(database_url, catalog)
    with TestClient(create_app(RegistrySettings(database_url=database_url))) as client:
        response = client.get("/api/v1/usecases", params={"page_size": 100})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(catalog.use_cases)
    by_title = {item["title"]: item for item in body["items"]}
    for record in catalog.use_cases.values():
        item = by_title[record.title]
        assert item["source_document"] == record.source
        assert item["source_excerpt"] == record.excerpt
        assert item["scenario"] == record.scenario
        assert item["enterprise"]["name"] == catalog.enterprises[record.enterprise].name


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    scenario: inspection_robot\n",
            "    scenario: teleportation\n",
            "scenario: unknown scenario 'teleportation'",
        ),
        ("    excerpt: 推进新松机器人等企业建设5G+智能巡检机器人等应用场景\n", "", "excerpt: Field required"),
        ("    excerpt: 推进新松机器人等企业建设5G+智能巡检机器人等应用场景\n", "    excerpt: ''\n", "excerpt:"),
        ("    enterprise: siasun-robot\n", "    enterprise: nobody\n", "enterprise: unknown enterprise 'nobody'"),
    ],
    ids=["bad-scenario", "missing-excerpt", "empty-excerpt", "unknown-enterprise"],
)
def test_a_malformed_catalog_fails_clearly_and_writes_nothing(
    database_url: str,
    seeds_copy: Path,
    session_for: Session,
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    expected: str,
) -> None:
    path = seeds_copy / "usecases.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - key: shenyang-siasun-inspection-robot\n")
    end = text.index("  - key:", start + 1)
    assert old in text[start:end]
    path.write_text(text[:start] + text[start:end].replace(old, new) + text[end:], encoding="utf-8")

    with pytest.raises(CatalogError) as caught:
        load_catalog_dir(seeds_copy)
    message = str(caught.value)
    assert "usecases.yaml" in message and "shenyang-siasun-inspection-robot" in message and expected in message

    monkeypatch.setenv("I5G_DATABASE_URL", database_url)
    with pytest.raises(CommandError, match="nothing was written") as command_error:
        run_seed(argparse.Namespace(seeds_dir=str(seeds_copy), dry_run=False))
    assert expected in str(command_error.value)
    assert _count(session_for, UseCase) == 0 and _count(session_for, Enterprise) == 0
    assert _count(session_for, CityFigure) == 0


def test_cli_seed_reports_progress_and_dry_run_writes_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], session_for: Session
) -> None:
    from tests.conftest import REPO_ROOT

    monkeypatch.setenv("I5G_DATABASE_URL", database_url)
    seeds = str(REPO_ROOT / "seeds")
    assert i5g_main(["registry", "seed", "--seeds-dir", seeds, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "usecases.yaml:" in out and "added" in out and "dry run" in out
    assert _count(session_for, UseCase) == 0

    assert i5g_main(["registry", "seed", "--seeds-dir", seeds]) == 0
    first = capsys.readouterr().out
    assert "enterprises.yaml:" in first and "cities.yaml:" in first and " 0 unchanged" in first
    assert i5g_main(["registry", "seed", "--seeds-dir", seeds]) == 0
    second = capsys.readouterr().out
    assert "seed: 0 added, 0 updated" in second


def test_a_record_removed_from_the_catalog_is_reported_not_deleted(
    database_url: str, seeds_copy: Path, session_for: Session
) -> None:
    _seed(database_url, load_catalog_dir(seeds_copy))
    path = seeds_copy / "usecases.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - key: shenyang-siasun-inspection-robot\n")
    end = text.index("  - key:", start + 1)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    report = _seed(database_url, load_catalog_dir(seeds_copy))
    assert report.kind("use_cases").stale == ["shenyang-siasun-inspection-robot"]
    assert "no longer in the catalog" in report.summary() and report.changed == 0
    assert session_for.scalar(select(UseCase).where(UseCase.seed_key == "shenyang-siasun-inspection-robot"))
