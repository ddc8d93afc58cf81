"""Browser fixtures: one real registry (uvicorn, migrated + seeded temp SQLite, a staff account) and one
Debian chromium driven by Playwright per test module. Playwright never downloads a browser here."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
# Test-only: `make browser-deps` installs it from npm (tests/browser/package.json); no page ever loads it.
AXE_SOURCE = REPO_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.1 levels A and AA (axe-core's tag names).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
STAFF_EMAIL = "reviewer@bureau.gov.cn"
STAFF_PASSWORD = "reviewer-password-1"


@dataclass
class LiveRegistry:
    url: str
    database_url: str
    server: object = None  # tests.registry.support.RegistryServer: API helpers and the app itself


def _i5g(*args: str, database_url: str) -> None:
    env = {**os.environ, "I5G_DATABASE_URL": database_url, "I5G_STAFF_PASSWORD": STAFF_PASSWORD}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("i5g")), "registry", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, f"i5g registry {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def live_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    from tests.registry.support import RegistryServer

    database_url = f"sqlite:///{tmp_path_factory.mktemp('browser-registry') / 'registry.db'}"
    # The same commands an operator runs: the seeded catalog makes the pages look as they will in use.
    _i5g("migrate", database_url=database_url)
    _i5g("seed", "--seeds-dir", str(REPO_ROOT / "seeds"), database_url=database_url)
    _i5g("create-staff", "--email", STAFF_EMAIL, database_url=database_url)
    server = RegistryServer(database_url).start()
    try:
        yield LiveRegistry(server.url, database_url, server)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (scripts/install-system-deps)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield instance
        finally:
            instance.close()


def screenshot(page: object, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)  # type: ignore[attr-defined]
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_SOURCE.exists():
        pytest.fail(f"{AXE_SOURCE} is missing: run `make browser-deps` (npm ci --prefix tests/browser)")
    return AXE_SOURCE.read_text(encoding="utf-8")


def axe_violations(page: object, source: str) -> list[str]:
    """WCAG 2.1 A/AA violations axe-core finds on the page, one line per rule and element.

    Injected with page.evaluate (DevTools evaluation, outside the page's CSP), so the pages keep their
    `script-src 'self'` policy and nothing of axe stays on them."""
    if not page.evaluate("() => typeof window.axe === 'object'"):  # type: ignore[attr-defined]
        page.evaluate(source)  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "tags => window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {node['target']} - {node['failureSummary'].splitlines()[-1].strip()}"
        for v in result["violations"]
        for node in v["nodes"]
    ]
