"""The agent configuration handed over with a new gateway's password: valid for the agent's own settings
model, the sources the scenario needs, and no way for a value to break out of its TOML string."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from edge_agent.settings import AgentSettings
from i5g.contract import RADIO_SIGNAL_KPIS
from i5g.scenarios import SCENARIOS, bounds_for
from registry.gateways.agent_config import BrokerEndpoint, agent_config_toml, install_commands, sources_for

BROKER = BrokerEndpoint("mqtt.plant.example", 8883, True, "-----BEGIN CERTIFICATE-----\n...")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_scenario_gets_a_configuration_the_agent_accepts(scenario: str, tmp_path: Path) -> None:
    text = agent_config_toml("gw-line1-01", scenario, BROKER)
    path = tmp_path / "agent.toml"
    path.write_text(text)
    (tmp_path / "password").write_text("secret")
    settings = AgentSettings.load(
        path, mqtt={**tomllib.loads(text)["agent"]["mqtt"], "password_file": tmp_path / "password"}
    )
    resolved = settings.resolved()
    enabled = {name for name, section in resolved["sources"].items() if section["enabled"]}
    assert {"host", "probe"} <= enabled
    assert resolved["sources"]["probe"]["targets"] == ["mqtt.plant.example:8883"]
    assert resolved["mqtt"]["tls"]["enabled"] and resolved["mqtt"]["tls"]["ca_file"] == "/etc/i5g/ca.pem"
    kpis = {r.kpi for r in bounds_for(scenario) if r.kpi}
    if kpis & set(RADIO_SIGNAL_KPIS):
        assert "modem_mm" in enabled
    _, plant = sources_for(scenario)
    for name in plant:
        assert name in text  # named in the comment: the plant's Modbus registers provide them


def test_values_cannot_break_out_of_their_strings() -> None:
    evil = BrokerEndpoint('evil"\n[agent.sources.modbus]\nenabled = true\n#', 1883, False)
    text = agent_config_toml("gw-line1-01", "agv", evil)
    agent = tomllib.loads(text)["agent"]
    assert agent["mqtt"]["host"] == evil.host
    assert "modbus" not in agent["sources"]


def test_the_password_is_quoted_for_the_shell() -> None:
    commands = install_commands("it's $(reboot)", BROKER)
    assert any("'it'\"'\"'s $(reboot)'" in command for command in commands)
