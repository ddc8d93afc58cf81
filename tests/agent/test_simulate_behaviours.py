"""The demo fleet's behaviours (edge_agent/sources/simulated.py BEHAVIOURS): steady gateways stay inside their
profile, brief ones break it for single readings, sustained ones for minutes, silent ones send nothing - so
the fleet page shows meets, does not meet and no data soon after `make demo` starts."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from devstack.fleet import DEMO_BEHAVIOURS, FleetGateway, demo_behaviour
from devstack.mosquitto import MosquittoServer
from edge_agent.sources.simulated import stream_for
from i5g.scenarios import bounds_for
from tests.agent.test_simulate import simulate

READINGS = 2400  # 40 minutes at the demo's 1 Hz


def _breach_runs(scenario: str, behaviour: str, seed: int = 5) -> list[int]:
    """Lengths of the runs of consecutive readings that break at least one bound."""
    bounds = bounds_for(scenario)
    stream = stream_for(scenario, seed, behaviour, configured_rate=0.5)
    flags = [any(b.violated_by(kpis[b.kpi]) for b in bounds if b.kpi in kpis) for kpis in
             (stream.next().kpis for _ in range(READINGS))]  # fmt: skip
    return [len(list(run)) for breached, run in itertools.groupby(flags) if breached]


@pytest.mark.parametrize("scenario", ["machine_vision", "agv", "remote_control"])
def test_behaviours_break_the_profile_as_named(scenario: str) -> None:
    assert _breach_runs(scenario, "steady") == []  # the configured rate (0.5 here) does not apply
    brief = _breach_runs(scenario, "brief_breaches")
    # single readings (two episodes can meet back to back), never minutes
    assert brief and max(brief) <= 3 and brief.count(1) >= 0.8 * len(brief), brief
    sustained = _breach_runs(scenario, "sustained_breach")
    assert max(sustained) >= 60 and sum(sustained) > READINGS * 0.3, sustained
    assert _breach_runs(scenario, "default")  # the configured rate applies


def test_demo_fleet_gives_each_verdict_a_gateway() -> None:
    assert [demo_behaviour(rank) for rank in range(5)] == [*DEMO_BEHAVIOURS, "steady", "steady"]
    entry = FleetGateway("demo-uc3-agv", 3, "agv", "pw", "silent").credentials()
    assert entry["behaviour"] == "silent"


def test_silent_gateway_is_online_but_sends_no_telemetry(
    mosquitto: MosquittoServer, tmp_path: Path, subscribers
) -> None:
    credentials = [
        {"gateway_id": "demo-steady", "scenario": "agv", "behaviour": "steady"},
        {"gateway_id": "demo-silent", "scenario": "agv", "behaviour": "silent"},
    ]
    (tmp_path / "gateways.json").write_text(json.dumps(credentials))
    sub = subscribers(mosquitto.port)
    summary = simulate("--credentials", str(tmp_path / "gateways.json"), "--rate", "10", "--duration", "1.5",
                       "--broker", f"127.0.0.1:{mosquitto.port}", "--state-dir", str(tmp_path / "sim"))  # fmt: skip
    assert summary["gateways"] == 2 and summary["samples"] >= 10
    sub.wait_for(lambda: len(sub.statuses("demo-silent")) >= 2, what="silent gateway's birth and offline")
    assert sub.statuses("demo-silent")[0]["online"] is True
    sub.wait_for(lambda: len(sub.seqs("demo-steady")) >= 10, what="steady gateway's telemetry")
    assert sub.telemetry("demo-silent") == []


def test_unknown_behaviour_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess

    from tests.agent.conftest import I5G

    (tmp_path / "gateways.json").write_text(json.dumps([{"gateway_id": "gw-1", "behaviour": "explode"}]))
    result = subprocess.run([I5G, "agent", "simulate", "--credentials", str(tmp_path / "gateways.json"),
                             "--duration", "0.1"], capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 2
    assert "behaviour" in result.stderr and "Traceback" not in result.stderr
