"""Simulated streams and `i5g agent simulate` (many gateways, one process) against real Mosquitto brokers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from devstack.mosquitto import MosquittoServer
from edge_agent.sources.simulated import ScenarioStream
from i5g.contract import broker_username
from i5g.scenarios import SCENARIOS, bounds_for
from tests.agent.conftest import I5G, first_occurrences
from tests.agent.test_delivery import SCHEMA


def test_stream_is_deterministic_per_seed() -> None:
    first = ScenarioStream("machine_vision", 7)
    second = ScenarioStream("machine_vision", 7)
    other = ScenarioStream("machine_vision", 8)
    run1 = [first.next().kpis for _ in range(50)]
    assert run1 == [second.next().kpis for _ in range(50)]
    assert run1 != [other.next().kpis for _ in range(50)]
    assert {"vision_fps", "vision_infer_ms", "rtt_ms", "rsrp_dbm"} <= set(run1[0])


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_normal_operation_holds_the_bounds_and_degradations_violate_them(scenario: str) -> None:
    bounds = bounds_for(scenario)
    calm = ScenarioStream(scenario, 1, degradation_rate=0.0)
    for _ in range(300):
        kpis = calm.next().kpis
        assert not [b.kpi for b in bounds if b.kpi in kpis and b.violated_by(kpis[b.kpi])], kpis
    stormy = ScenarioStream(scenario, 1, degradation_rate=1.0)
    violated = {b.kpi for _ in range(20) for b in bounds if b.violated_by(stormy.next().kpis[b.kpi])}
    assert violated == {b.kpi for b in bounds}  # every bound is crossed during degradations


def simulate(*args: str, timeout: float = 60) -> dict:
    result = subprocess.run([I5G, "agent", "simulate", "--log-level", "WARNING", *args],
                            capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_simulate_runs_many_gateways_each_with_its_own_id_seq_and_status(
    mosquitto: MosquittoServer, tmp_path: Path, subscribers
) -> None:
    sub = subscribers(mosquitto.port)
    summary = simulate(
        "--gateways", "6", "--rate", "10", "--duration", "2", "--seed", "3",
        "--broker", f"127.0.0.1:{mosquitto.port}", "--state-dir", str(tmp_path / "sim"),
    )  # fmt: skip
    assert summary["gateways"] == 6
    assert summary["samples"] >= 6 * 15 and summary["acked"] == summary["samples"]
    gateway_ids = [f"sim-gw-{i:04d}" for i in range(1, 7)]
    sub.wait_for(lambda: all(len(sub.statuses(gw)) >= 2 for gw in gateway_ids), what="birth and offline per gw")
    validator = jsonschema.Draft202012Validator(SCHEMA)
    scenarios = set()
    for gw in gateway_ids:
        assert sub.statuses(gw)[0]["online"] is True and sub.statuses(gw)[-1]["online"] is False
        for payload in sub.telemetry(gw):
            validator.validate(payload)
        seqs = first_occurrences(sub.seqs(gw))
        assert seqs == list(range(len(seqs))) and len(seqs) >= 15
        scenarios.add(frozenset(sub.telemetry(gw)[0]["samples"][0]["kpis"]))
    assert len(scenarios) > 1  # gateways cycle through scenarios: different KPI sets
    assert sorted(p.name for p in (tmp_path / "sim").glob("*.sqlite")) == [f"{gw}.sqlite" for gw in gateway_ids]

    # A second run continues every gateway's seq from its spool.
    simulate("--gateways", "6", "--rate", "10", "--duration", "0.5", "--broker", f"127.0.0.1:{mosquitto.port}",
             "--state-dir", str(tmp_path / "sim"))  # fmt: skip
    sub.wait_for(lambda: len(sub.statuses("sim-gw-0001")) >= 4, what="second run's statuses")
    seqs = sub.seqs("sim-gw-0001")
    assert first_occurrences(seqs) == list(range(max(seqs) + 1))


def ctrl(broker: MosquittoServer, *command: str) -> None:
    assert broker.admin is not None
    result = subprocess.run(
        ["mosquitto_ctrl", "-h", "127.0.0.1", "-p", str(broker.port), "-u", broker.admin.username,
         "-P", broker.admin.password, "dynsec", *command],
        capture_output=True, text=True, timeout=20, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout


def test_simulate_with_per_gateway_credentials(secure_mosquitto: MosquittoServer, tmp_path: Path, subscribers) -> None:
    ctrl(secure_mosquitto, "createRole", "reader")
    ctrl(secure_mosquitto, "addRoleACL", "reader", "subscribePattern", "i5g/#", "allow")
    ctrl(secure_mosquitto, "createClient", "reader", "-p", "reader-pw")
    ctrl(secure_mosquitto, "addClientRole", "reader", "reader")
    for gw in ("plant-a-01", "plant-b-02"):
        ctrl(secure_mosquitto, "createRole", f"role-{gw}")
        ctrl(secure_mosquitto, "addRoleACL", f"role-{gw}", "publishClientSend", f"i5g/v1/{gw}/#", "allow")
        ctrl(secure_mosquitto, "createClient", broker_username(gw), "-p", f"{gw}-secret")
        ctrl(secure_mosquitto, "addClientRole", broker_username(gw), f"role-{gw}")
    credentials = [
        {"gateway_id": "plant-a-01", "password": "plant-a-01-secret", "scenario": "machine_vision"},
        {"gateway_id": "plant-b-02", "password": "plant-b-02-secret", "scenario": "remote_control"},
        {"gateway_id": "plant-c-03", "password": "wrong", "scenario": "agv"},  # refused, must not disturb others
        {"gateway_id": "plant-d-04", "password": "plant-d-04-secret", "scenario": "agv"},  # may not publish
    ]
    # No role: PUBACK 0x87.
    ctrl(secure_mosquitto, "createClient", broker_username("plant-d-04"), "-p", "plant-d-04-secret")
    (tmp_path / "gateways.json").write_text(json.dumps(credentials))

    sub = subscribers(secure_mosquitto.port, auth=("reader", "reader-pw"))
    broker = f"127.0.0.1:{secure_mosquitto.port}"
    summary = simulate("--credentials", str(tmp_path / "gateways.json"), "--rate", "10", "--duration", "1.5",
                       "--broker", broker, "--state-dir", str(tmp_path / "sim"))  # fmt: skip
    assert summary["gateways"] == 4, summary
    assert summary["acked"] > 0, summary
    sub.wait_for(lambda: len(sub.seqs("plant-b-02")) >= 5, what="telemetry of plant-b-02")
    assert "vision_fps" in sub.telemetry("plant-a-01")[0]["samples"][0]["kpis"]
    assert "ctrl_loop_ms" in sub.telemetry("plant-b-02")[0]["samples"][0]["kpis"]
    assert sub.telemetry("plant-c-03") == [] and sub.telemetry("plant-d-04") == []
    assert summary["spooled"] >= 20  # plant-c-03 and plant-d-04 kept their samples for later


def test_bad_credentials_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "gateways.toml").write_text('[[gateways]]\ngateway_id = "Bad Id"\npassword = "x"\n')
    result = subprocess.run([I5G, "agent", "simulate", "--credentials", str(tmp_path / "gateways.toml"),
                             "--duration", "0.1"], capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 2
    assert "gateway_id" in result.stderr and "Traceback" not in result.stderr
