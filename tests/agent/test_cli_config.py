"""`i5g agent` command line: help, config errors naming the key, `check`, and the published JSON Schema."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from i5g.contract import payload_json_schema
from tests.agent.conftest import I5G, write_config

REPO = Path(__file__).resolve().parents[2]


def i5g(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([I5G, *args], capture_output=True, text=True, timeout=60, env=env, check=False)


def test_agent_help_works() -> None:
    for args in (("agent", "--help"), ("agent", "run", "--help"), ("agent", "simulate", "--help")):
        result = i5g(*args)
        assert result.returncode == 0, result.stderr
        assert "usage: i5g agent" in result.stdout
    assert "--credentials" in i5g("agent", "simulate", "--help").stdout


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("[agent.mqtt]\nprot = 1883\n", "agent.mqtt.prot"),  # typo: unknown keys are errors
        ('[agent.spool]\nmax_samples = "many"\n', "agent.spool.max_samples"),
        ("[agent.sources.probe]\nenabled = true\ncount = 0\n", "agent.sources.probe.count"),
        (
            '[[agent.sources.modbus.devices]]\nhost = "plc"\n[[agent.sources.modbus.devices.registers]]\n'
            'kpi = "no_such_kpi"\naddress = 1\n',
            "agent.sources.modbus.devices.0.registers.0.kpi",
        ),
    ],
)
def test_bad_config_names_the_key_and_exits_non_zero(tmp_path: Path, extra: str, key: str) -> None:
    config = tmp_path / "agent.toml"
    config.write_text(f'[agent]\ngateway_id = "gw-cfg-01"\nstate_dir = "{tmp_path}"\n\n{extra}')
    for action in ("run", "check"):
        result = i5g("agent", action, "--config", str(config))
        assert result.returncode == 2
        assert key in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_bad_gateway_id_and_missing_file(tmp_path: Path) -> None:
    config = write_config(tmp_path / "agent.toml", "Not A Slug", 1883, tmp_path)
    result = i5g("agent", "run", "--config", str(config))
    assert result.returncode == 2 and "agent.gateway_id" in result.stderr
    result = i5g("agent", "run", "--config", str(tmp_path / "missing.toml"))
    assert result.returncode == 2 and "not found" in result.stderr


def test_environment_overrides_the_file_and_is_validated(tmp_path: Path) -> None:
    config = write_config(tmp_path / "agent.toml", "gw-env-01", 1883, tmp_path)
    env = {**os.environ, "I5G_AGENT_MQTT__PORT": "0"}
    result = i5g("agent", "check", "--config", str(config), env=env)
    assert result.returncode == 2 and "agent.mqtt.port" in result.stderr


def test_check_reads_every_source_once_and_reports_failures(tmp_path: Path) -> None:
    extra = """
[agent.sources.host]
enabled = true

[agent.sources.modem_quectel]
enabled = true
port = "/dev/nonexistent-tty"
"""
    config = write_config(tmp_path / "agent.toml", "gw-check-01", 1883, tmp_path, extra)
    result = i5g("agent", "check", "--config", str(config))
    assert "config ok: gateway gw-check-01" in result.stdout
    assert "simulated: " in result.stdout and "agv_pos_err_cm=" in result.stdout
    assert "host: " in result.stdout and "mem_pct=" in result.stdout
    assert "modem_quectel: FAILED" in result.stdout  # no modem here: reported, the others still read
    assert result.returncode == 1


def test_committed_json_schema_matches_the_contract() -> None:
    committed = json.loads((REPO / "docs" / "telemetry.schema.json").read_text())
    assert committed == payload_json_schema(), (
        "docs/telemetry.schema.json is stale: regenerate with "
        "python -c 'import json; from i5g.contract import payload_json_schema as s; "
        "print(json.dumps(s(), indent=2, ensure_ascii=False))' > docs/telemetry.schema.json"
    )


def test_example_config_is_valid_and_complete() -> None:
    from edge_agent.settings import AgentSettings

    settings = AgentSettings.load(REPO / "deploy" / "agent.example.toml")
    assert settings.gateway_id == "gw-line1-01"
    assert settings.sources.modbus.devices[0].registers[1].word_order == "little"


def test_docs_list_every_kpi_and_ctx_key() -> None:
    from i5g.contract import CTX_KEYS, KPIS

    text = (REPO / "docs" / "telemetry.md").read_text()
    missing = [name for name in [*KPIS, *CTX_KEYS] if f"| `{name}` |" not in text]
    assert not missing, f"docs/telemetry.md does not describe {missing}"


def test_systemd_unit_is_hardened_and_keeps_the_spool() -> None:
    unit = (REPO / "deploy" / "systemd" / "i5g-agent.service").read_text()
    for directive in ("DynamicUser=yes", "StateDirectory=i5g-agent", "ProtectSystem=strict", "NoNewPrivileges=yes",
                      "Restart=on-failure", "RestartPreventExitStatus=2", "LoadCredential=mqtt-password"):  # fmt: skip
        assert directive in unit
    assert "i5g agent run --config" in unit


def test_lean_runtime_imports_no_pydantic_and_sources_load_their_library_lazily() -> None:
    """The memory design (docs/telemetry.md "Memory"): the runtime never imports pydantic, and a source's
    library is imported only when that source is built (host reads /proc itself: no psutil at all)."""
    code = (
        "import sys, edge_agent.agent, edge_agent.sources\n"
        "heavy = {'pydantic', 'pydantic_settings', 'psutil', 'serial', 'pymodbus'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
        "edge_agent.sources.source_class('host')({'disk_path': '/', 'interfaces': []})\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    python = str(Path(I5G).parent / "python")
    result = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.splitlines() == ["[]", "[]"]


@pytest.mark.parametrize("memfd_allowed", [True, False])
def test_config_handover_fd(monkeypatch: pytest.MonkeyPatch, memfd_allowed: bool) -> None:
    """memfd, or a pipe where a seccomp filter refuses memfd_create: either way the runtime reads the JSON."""
    from edge_agent import cli

    if not memfd_allowed:

        def refuse(*_args: object) -> int:
            raise PermissionError(1, "Operation not permitted")

        monkeypatch.setattr(os, "memfd_create", refuse)
    fd = cli._config_fd(b'{"gateway_id": "gw-fd-01"}')
    assert os.get_inheritable(fd)
    with os.fdopen(fd, "rb") as handle:
        assert json.loads(handle.read()) == {"gateway_id": "gw-fd-01"}
