"""Production-safe defaults (issue 18): weak secrets refused at start, API docs off in production."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from i5g.secret_policy import secret_problem
from registry.app import create_app
from registry.settings import RegistrySettings

I5G = str(Path(sys.executable).parent / "i5g")
REPO = Path(__file__).resolve().parents[2]


def _serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`i5g registry serve` with only the given settings; a refusal exits 2 before binding any port."""
    base = {"PATH": "/usr/bin:/bin", "I5G_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "I5G_PORT": "1"}
    return subprocess.run(
        [I5G, "registry", "serve"], env={**base, **env}, capture_output=True, text=True, timeout=60, check=False
    )


def test_every_placeholder_of_the_compose_example_is_refused() -> None:
    lines = (REPO / "deploy" / "compose.env.example").read_text().splitlines()
    values = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    assert values, "compose.env.example has no settings?"
    for name, value in values.items():
        assert secret_problem(name, value), f"{name}={value} would be accepted"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"I5G_SECRET_KEY": "change-me-session-signing-key"}, "I5G_SECRET_KEY is still the example placeholder"),
        ({"I5G_SECRET_KEY": "short"}, "I5G_SECRET_KEY is 5 characters, at least 16"),
        ({"I5G_ENVIRONMENT": "production"}, "I5G_ENVIRONMENT=production needs I5G_SECRET_KEY"),
        (
            {
                "I5G_SECRET_KEY": "x" * 32,
                "I5G_BROKER_ADMIN_URL": "mqtt://127.0.0.1:1",
                "I5G_BROKER_ADMIN_PASSWORD": "change-me-broker-admin",
            },
            "I5G_BROKER_ADMIN_PASSWORD is still the example placeholder",
        ),
    ],
)
def test_serve_refuses_weak_secrets(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = _serve(tmp_path, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_collector_refuses_a_placeholder_mqtt_password(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "I5G_COLLECTOR_MQTT_PASSWORD": "change-me-collector"}
    result = subprocess.run([I5G, "collector", "run"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "I5G_COLLECTOR_MQTT_PASSWORD is still the example placeholder" in result.stderr


def _paths(settings: RegistrySettings) -> dict[str, int]:
    transport = httpx.ASGITransport(app=create_app(settings))

    async def get_all() -> dict[str, int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return {path: (await client.get(path)).status_code for path in ("/docs", "/redoc", "/openapi.json")}

    import asyncio

    return asyncio.run(get_all())


def test_api_docs_off_in_production_unless_enabled(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert set(_paths(RegistrySettings(database_url=url)).values()) == {200}
    production = RegistrySettings(database_url=url, environment="production", secret_key="s" * 32)
    assert set(_paths(production).values()) == {404}
    enabled = RegistrySettings(database_url=url, environment="production", secret_key="s" * 32, api_docs=True)
    assert set(_paths(enabled).values()) == {200}
