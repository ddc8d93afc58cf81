"""A first run that does something: no [agent.sources] samples host + a probe of the broker; a configuration
that enables nothing is refused at start-up, saying how to enable a source."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devstack.mosquitto import MosquittoServer
from edge_agent.settings import AgentSettings
from i5g.settings import SettingsError
from tests.agent.conftest import I5G


def minimal_config(path: Path, port: int, state_dir: Path, extra: str = "") -> Path:
    path.write_text(
        f'[agent]\ngateway_id = "gw-first-01"\nstate_dir = "{state_dir}"\ninterval_s = 0.2\n\n'
        f'[agent.mqtt]\nhost = "127.0.0.1"\nport = {port}\nreconnect_min_s = 0.05\nreconnect_max_s = 0.3\n{extra}'
    )
    return path


def test_no_sources_means_host_and_a_probe_of_the_broker(tmp_path: Path) -> None:
    resolved = AgentSettings.load(minimal_config(tmp_path / "a.toml", 18883, tmp_path)).resolved()
    enabled = {name for name, section in resolved["sources"].items() if section["enabled"]}
    assert enabled == {"host", "probe"}
    assert resolved["sources"]["probe"]["targets"] == ["127.0.0.1:18883"]


def test_a_configuration_that_enables_nothing_is_refused(tmp_path: Path) -> None:
    config = minimal_config(tmp_path / "a.toml", 18883, tmp_path, "\n[agent.sources.host]\nenabled = false\n")
    with pytest.raises(SettingsError, match=r"no source is enabled.*\[agent\.sources\.host\]"):
        AgentSettings.load(config).resolved()
    result = subprocess.run([I5G, "agent", "run", "--config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "enabled = true" in result.stderr + result.stdout


def test_explicit_probe_targets_are_kept(tmp_path: Path) -> None:
    extra = '\n[agent.sources.probe]\nenabled = true\ntargets = ["10.0.0.1:502"]\n'
    resolved = AgentSettings.load(minimal_config(tmp_path / "a.toml", 18883, tmp_path, extra)).resolved()
    assert resolved["sources"]["probe"]["targets"] == ["10.0.0.1:502"]
    assert not resolved["sources"]["host"]["enabled"]


def test_unconfigured_agent_publishes_host_values_and_broker_rtt(
    mosquitto: MosquittoServer, tmp_path: Path, agent_processes, subscribers
) -> None:
    sub = subscribers(mosquitto.port)
    config = minimal_config(tmp_path / "agent.toml", mosquitto.port, tmp_path / "state")
    agent_processes(config, tmp_path / "agent.log")
    sub.wait_for(lambda: len(sub.seqs("gw-first-01")) >= 2, what="2 samples")
    kpis = sub.telemetry("gw-first-01")[-1]["samples"][-1]["kpis"]
    assert "cpu_pct" in kpis and "rtt_ms" in kpis, kpis
