"""schemathesis against the registry's own OpenAPI document, on the real app served by uvicorn
(`registry_server`: fresh migrated SQLite database), authenticated as staff so the writes are exercised too.

For every operation schemathesis generates valid and invalid requests (bounded: EXAMPLES per operation, x10
with I5G_LONG=1) and checks: no 5xx, every status and content type answered is declared, and every body
matches its declared schema. A failure names the operation and shows schemathesis's reproducing request.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 25 * (10 if os.environ.get("I5G_LONG") == "1" else 1)
# No 5xx; every status the API answers is declared in its OpenAPI document, with the declared content type,
# and the body matches the declared schema (errors included: registry.errors.ERROR_RESPONSES).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _check_operation(operation: schemathesis.APIOperation, mode: GenerationMode, token: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: schemathesis.Case) -> None:
        headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.fixture
def requests_transport_without_pool_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """niquests (grafana-client, dashboards extra) installs urllib3-future, which takes over the `urllib3` name;
    its pool container has no keys(), which schemathesis only uses to count open connections before resending a
    request dropped on a stale keep-alive connection. Counting 0 keeps that resend logic and everything else."""
    import schemathesis.transport.requests as transport

    monkeypatch.setattr(transport, "_count_opened_connections", lambda session: 0)


@pytest.mark.usefixtures("requests_transport_without_pool_count")
def test_registry_api_never_fails_and_matches_its_schema(registry_server, influxdb) -> None:
    """Every operation, valid and invalid requests; all failures are collected and reported together."""
    from registry.evidence.settings import EvidenceSettings

    # Evidence reads a real (empty) InfluxDB: its 503 "telemetry unavailable" is tested in tests/evidence.
    registry_server.app.state.evidence_settings = EvidenceSettings(influx_url=influxdb.url, database=influxdb.database)
    token = registry_server.staff_token
    schema = schemathesis.openapi.from_url(f"{registry_server.url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _check_operation(operation, mode, token)
            except Unsatisfiable:  # nothing in this operation can be made invalid (e.g. no parameters)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # collected and reported together below
                failures.append(f"{operation.label} [{mode.value}]: {exc}"[:2000])
    assert operations >= 20, f"only {operations} operations in the OpenAPI document"
    assert not failures, "\n\n".join(failures)
