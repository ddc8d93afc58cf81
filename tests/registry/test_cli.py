"""`i5g registry migrate|create-token|revoke-token`, and the real app under uvicorn."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from i5g.cli import main
from tests.registry.support import RegistryServer, enterprise_body


def test_migrate_and_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'registry.db'}"
    monkeypatch.setenv("I5G_DATABASE_URL", url)
    assert main(["registry", "migrate"]) == 0
    assert main(["registry", "migrate"]) == 0  # idempotent
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"enterprises", "use_cases", "gateways", "scenarios", "city_figures", "api_tokens"} <= tables
    capsys.readouterr()

    assert main(["registry", "create-token", "--name", "ops", "--role", "staff"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("i5g_") and len(token) > 30
    assert main(["registry", "create-token", "--name", "ops"]) == 2  # duplicate name: one-line error
    assert "already exists" in capsys.readouterr().err

    server = RegistryServer(url).start()
    try:
        created = server.http.post("/api/v1/enterprises", json=enterprise_body(), headers=server.headers(token))
        assert created.status_code == 201, created.text
        assert main(["registry", "revoke-token", "--name", "ops"]) == 0
        refused = server.http.post("/api/v1/enterprises", json=enterprise_body(), headers=server.headers(token))
        assert refused.status_code == 401
        # the server's client (10 s): building the OpenAPI document on first request takes seconds on a loaded machine
        assert server.http.get("/openapi.json").json()["info"]["title"] == "industrial5g registry"
    finally:
        server.stop()


def test_migrate_reports_a_bad_url(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("I5G_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["registry", "migrate"]) == 2
    assert "migration of" in capsys.readouterr().err


def test_help_works(capsys: pytest.CaptureFixture) -> None:
    for argv in (["registry", "--help"], ["registry", "serve", "--help"], ["registry", "seed", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 0
    assert "--seeds-dir" in capsys.readouterr().out
