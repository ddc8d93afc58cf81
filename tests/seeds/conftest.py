"""Seed-catalog fixtures: the repository's catalog, the source documents beside the checkout, and fresh
migrated SQLite registry databases (copied from one template migrated per session: migrations remain the only
way the schema is created, and each test still gets its own file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from registry.seeding.schema import Catalog, load_catalog_dir
from tests.conftest import REPO_ROOT

SEEDS_DIR = REPO_ROOT / "seeds"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog_dir(SEEDS_DIR)


@pytest.fixture(scope="session")
def source_texts(shared_dir: Path) -> dict[str, str]:
    """The five documents by file name, read from ../shared/seeds/ (the project keeps only excerpts)."""
    directory = shared_dir / "seeds"
    texts = {path.name: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.txt"))}
    if not texts:
        pytest.fail(f"no source documents in {directory}")
    return texts


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from registry.schema import prepare_database

    path = tmp_path_factory.mktemp("seed-template") / "registry.db"
    prepare_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(migrated_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "registry.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of seeds/ for tests that change or break the catalog."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, target)
    return target
