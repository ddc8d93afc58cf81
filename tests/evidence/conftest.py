"""Evidence fixtures: the registry app (TestClient, fresh migrated SQLite) pointed at a test InfluxDB database,
and a line-protocol writer for known samples with explicit past timestamps."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from registry.evidence.settings import EvidenceSettings
from tests.collector.conftest import start_collector as start_collector  # the fixture, shared
from tests.registry.support import RegistryClient, TemplateDatabases, make_tokens


def evidence_settings(url: str, database: str, **overrides: object) -> EvidenceSettings:
    values: dict[str, object] = {
        "influx_url": url,
        "database": database,
        "rollup_settle_s": 0,
        "timeout_s": 10,
        **overrides,
    }
    return EvidenceSettings(**values)  # type: ignore[arg-type]


@dataclass
class EvidenceApi:
    client: RegistryClient
    app: object

    def use(self, settings: EvidenceSettings) -> None:
        self.app.state.evidence_settings = settings  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def evidence_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from registry.app import create_app
    from registry.settings import RegistrySettings

    databases = TemplateDatabases(tmp_path_factory.mktemp("evidence-db"))
    app = create_app(RegistrySettings(database_url=databases.fresh("sqlite")))
    app.state.template_databases = databases
    return app


@pytest.fixture
def evidence_api(evidence_app) -> Iterator[EvidenceApi]:  # type: ignore[no-untyped-def]
    from registry.app import bind_database

    url = evidence_app.state.template_databases.fresh("sqlite")
    bind_database(evidence_app, url)
    staff, collector = make_tokens(url)
    with TestClient(evidence_app, raise_server_exceptions=False) as http:
        yield EvidenceApi(RegistryClient(http, staff, collector), evidence_app)
    evidence_app.state.evidence_settings = None


def write_lines(url: str, database: str, lines: list[str], rp: str | None = None) -> None:
    params = {"db": database, "precision": "ms", **({"rp": rp} if rp else {})}
    for start in range(0, len(lines), 5000):
        response = httpx.post(f"{url}/write", params=params, content="\n".join(lines[start : start + 5000]))
        assert response.status_code == 204, response.text


def minute_ago(minutes: int) -> int:
    """A whole minute `minutes` before now, epoch ms."""
    now = int(time.time() * 1000)
    return now - now % 60_000 - minutes * 60_000


def sample_lines(
    gateway: str, use_case: int | str, scenario: str, points: list[tuple[int, dict[str, float]]]
) -> list[str]:
    """`kpi` points exactly as the collector writes them (its own line builders and SLA flags)."""
    from collector.sla import sla_fields
    from collector.writer import kpi_line
    from i5g.contract import TAG_GATEWAY, TAG_SCENARIO, TAG_USE_CASE
    from i5g.lineprotocol import tag_set

    tags = tag_set(((TAG_GATEWAY, gateway), (TAG_USE_CASE, str(use_case)), (TAG_SCENARIO, scenario)))
    return [kpi_line(tags, ts, seq, kpis, {}, sla_fields(scenario, kpis)) for seq, (ts, kpis) in enumerate(points)]


def steady(t0: int, seconds: int, kpis: dict[str, float], step_ms: int = 1000) -> list[tuple[int, dict[str, float]]]:
    return [(t0 + i, kpis) for i in range(0, seconds * 1000, step_ms)]
