"""The agent as a real process against a real Mosquitto: shape, birth/will, outage, kill -9, spool bound."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import jsonschema

from devstack.mosquitto import MosquittoServer
from devstack.process import free_port
from tests.agent.conftest import first_occurrences, write_config

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "telemetry.schema.json").read_text())


def spool_state(state_dir: Path) -> tuple[int, int]:
    """(samples queued, next seq) read straight from the agent's spool database (as Spool computes them)."""
    path = state_dir / "spool.sqlite"
    if not path.exists():
        return 0, 0
    with sqlite3.connect(path, timeout=5) as db:
        try:
            queued, newest = db.execute("SELECT count(*), max(seq) FROM samples").fetchone()
            persisted = db.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()
        except sqlite3.OperationalError:  # tables not created yet
            return 0, 0
    next_seq = max(persisted[0] if persisted else 0, -1 if newest is None else newest + 1)
    return int(queued), int(next_seq)


def wait_until(predicate, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_samples_have_the_contract_shape_and_birth_then_will(
    mosquitto: MosquittoServer, tmp_path: Path, agent_processes, subscribers
) -> None:
    gw = "gw-shape-01"
    sub = subscribers(mosquitto.port)
    extra = f"""
[agent.sources.host]
enabled = true

[agent.sources.probe]
enabled = true
targets = ["127.0.0.1:{mosquitto.port}"]
count = 2
"""
    config = write_config(tmp_path / "agent.toml", gw, mosquitto.port, tmp_path / "state", extra)
    agent = agent_processes(config, tmp_path / "agent.log")
    sub.wait_for(lambda: len(sub.seqs(gw)) >= 10, what="10 samples")

    validator = jsonschema.Draft202012Validator(SCHEMA)
    for payload in sub.telemetry(gw):
        validator.validate(payload)
        assert payload["gw"] == gw
    seqs = sub.seqs(gw)
    assert seqs == sorted(set(seqs)) and seqs[0] == 0
    kpis = sub.telemetry(gw)[-1]["samples"][-1]["kpis"]
    assert {"cpu_pct", "mem_pct", "disk_pct", "rtt_ms", "agv_pos_err_cm"} <= set(kpis)

    birth = sub.statuses(gw)[0]
    assert birth["online"] is True
    assert sorted(birth["sources"]) == ["host", "probe", "simulated"]
    assert {"agent_version", "config_hash", "started_at"} <= set(birth)

    # The running agent is the lean runtime (same PID after the exec): no pydantic, deferred modules unloaded.
    maps = Path(f"/proc/{agent.proc.pid}/maps").read_text()
    assert "pydantic_core" not in maps and "_uuid." not in maps

    agent.kill9()  # an unclean end: the broker publishes the last will
    sub.wait_for(lambda: sub.statuses(gw)[-1]["online"] is False, timeout=10, what="last will")
    assert sub.statuses(gw)[-1]["started_at"] == birth["started_at"]

    # The will is retained: a client arriving later sees the gateway offline.
    late = subscribers(mosquitto.port, "late-sub")
    late.wait_for(lambda: bool(late.statuses(gw)), timeout=5, what="retained status")
    assert late.statuses(gw)[-1]["online"] is False
    assert any(retain for topic, _, retain in late.messages if topic.endswith("/status"))


def test_broker_down_then_back_every_sample_arrives_in_order(
    mosquitto: MosquittoServer, tmp_path: Path, agent_processes, subscribers
) -> None:
    gw = "gw-outage-01"
    sub = subscribers(mosquitto.port)
    config = write_config(tmp_path / "agent.toml", gw, mosquitto.port, tmp_path / "state")
    agent = agent_processes(config, tmp_path / "agent.log")
    sub.wait_for(lambda: len(sub.seqs(gw)) >= 5, what="samples before the outage")

    mosquitto.stop()
    before = max(sub.seqs(gw))
    time.sleep(1.5)  # ~30 samples at 20 Hz go to the spool only
    mosquitto.process.start()
    sub.wait_for(lambda: max(sub.seqs(gw)) > before + 40, timeout=20, what="samples after the outage")
    assert agent.stop() == 0
    # A clean stop says so itself (with ts), rather than leaving it to the will.
    sub.wait_for(lambda: sub.statuses(gw)[-1]["online"] is False, timeout=5, what="offline status")
    assert "ts" in sub.statuses(gw)[-1]

    arrived = first_occurrences(sub.seqs(gw))
    assert arrived == list(range(arrived[-1] + 1)), "a sample is missing or out of order"
    # Messages carried batches while the backlog drained.
    assert any(len(payload["samples"]) > 1 for payload in sub.telemetry(gw))
    assert sum(s["online"] for s in sub.statuses(gw)) >= 2  # a birth per connection


def test_kill9_with_full_spool_restarted_agent_delivers_it_and_reports_drops(
    tmp_path: Path, agent_processes, subscribers
) -> None:
    gw = "gw-spool-01"
    port = free_port()
    broker = MosquittoServer(tmp_path / "mosquitto", port=port)
    config = write_config(tmp_path / "agent.toml", gw, port, tmp_path / "state", "[agent.spool]\nmax_samples = 20\n")
    agent = agent_processes(config, tmp_path / "agent-1.log")
    wait_until(lambda: spool_state(tmp_path / "state")[1] >= 40, what="40 samples spooled")  # no broker yet
    agent.kill9()
    queued, next_seq = spool_state(tmp_path / "state")
    assert queued == 20  # the spool keeps the newest max_samples

    broker.start()
    try:
        sub = subscribers(port)
        agent_processes(config, tmp_path / "agent-2.log")
        sub.wait_for(lambda: len(sub.seqs(gw)) >= 30, what="spooled samples and fresh ones")
        seqs = first_occurrences(sub.seqs(gw))
        first = seqs[0]
        # The oldest were dropped; everything from there on (spooled before the kill, then fresh) arrives.
        # (the restarted agent may add a sample or two before it connects, dropping as many more)
        assert next_seq - 20 <= first <= next_seq - 15
        assert seqs == list(range(first, seqs[-1] + 1))
        sub.wait_for(lambda: any(s.get("dropped") for s in sub.statuses(gw)), timeout=5, what="dropped count")
        dropped = [s["dropped"] for s in sub.statuses(gw) if s.get("dropped")]
        assert sum(dropped) == first  # exactly the samples 0..first-1, reported once
    finally:
        broker.stop()
