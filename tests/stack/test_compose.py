"""deploy/compose.yaml: parses, mounts only files that exist, and shares its configuration with the native stack."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from devstack.settings import StackSettings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = DEPLOY / "compose.yaml"


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def host_mounts(service: dict[str, Any]) -> list[tuple[Path, str]]:
    """(host path, container path) of each bind mount (a named volume has no slash in its source)."""
    mounts = []
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            mounts.append(((DEPLOY / source).resolve(), target))
    return mounts


def test_the_stack_has_every_part() -> None:
    services = compose()["services"]
    for name in ("mosquitto", "influxdb", "postgres", "registry", "collector", "rollup", "alerts", "grafana"):
        assert name in services, name
    assert services["mosquitto"]["image"].startswith("eclipse-mosquitto:2")
    assert re.match(r"influxdb:(1\.11|2\.)", services["influxdb"]["image"])


def test_every_mounted_file_exists() -> None:
    checked = 0
    for name, service in compose()["services"].items():
        for source, target in host_mounts(service):
            assert source.exists(), f"{name} mounts {source} (at {target}), which does not exist"
            checked += 1
    assert checked >= 5


def test_build_context_and_dockerfile_exist() -> None:
    for name, service in compose()["services"].items():
        build = service.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            assert (context / build["dockerfile"]).is_file(), name
            for line in (context / build["dockerfile"]).read_text().splitlines():
                if line.startswith("COPY "):
                    for source in line.split()[1:-1]:
                        assert (context / source).exists(), f"Dockerfile copies missing {source}"


def test_broker_policy_is_the_native_stacks() -> None:
    # One source of truth: compose mounts the policy folder the native stack includes.
    mounts = dict(host_mounts(compose()["services"]["mosquitto"]))
    policy = StackSettings().mosquitto_policy_dir.resolve()
    assert policy in mounts, mounts
    main_config = (DEPLOY / "mosquitto" / "mosquitto.conf").read_text()
    assert f"include_dir {mounts[policy]}" in main_config
    assert "allow_anonymous false" in (policy / "i5g.conf").read_text()


def test_grafana_gets_one_datasource_and_the_generated_dashboards() -> None:
    mounts = host_mounts(compose()["services"]["grafana"])
    datasources = [source for source, target in mounts if "/provisioning/datasources/" in target]
    assert len(datasources) == 1  # both provided files define uid i5g-influxdb: mount exactly one
    dashboards = [source for source, target in mounts if target == "/var/lib/grafana/dashboards/i5g"]
    assert dashboards and any(dashboards[0].glob("*.json"))


def test_secrets_come_from_the_env_file() -> None:
    text = COMPOSE.read_text()
    example = (DEPLOY / "compose.env.example").read_text()
    for variable in set(re.findall(r"\$\{(I5G_[A-Z_]+)", text)):
        assert f"{variable}=" in example, f"{variable} missing from compose.env.example"


def test_rollup_and_alerts_run_the_commands_their_units_run() -> None:
    services = compose()["services"]
    assert services["rollup"]["command"] == ["evidence", "rollup", "--follow"]
    assert services["rollup"]["environment"]["I5G_EVIDENCE_USERNAME"] == "i5g-rollup"  # not the admin
    assert services["alerts"]["command"] == ["alerts", "run"]
    assert "I5G_DATABASE_URL" in services["alerts"]["environment"]  # the lease lives in the registry database
    setup = " ".join(services["influxdb-setup"]["command"])
    assert "CREATE RETENTION POLICY i5g_rollup" in setup
