"""Faults on the gateway side: the agent cut off from the broker, and the agent killed while draining its spool.

A real `i5g agent run` (simulated source) reaches the broker through tests/faults/tcp_proxy.py, which the test
cuts, black-holes or slows down; the collector talks to the broker directly. The ledger compares the agent's
spool (seqs 0..next_seq-1 generated) with `SELECT seq FROM kpi` (tests/faults/harness.py).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.agent.conftest import AgentProcess
from tests.collector.conftest import wait_for
from tests.faults.harness import count_points, outage, read_spool, wait_complete


def stop_agent_and_account(agent: AgentProcess, spool: Path, gateway: str) -> dict[str, int]:
    """SIGTERM the agent (it waits for in-flight PUBACKs) and return what it generated; nothing may be left."""
    assert agent.stop() == 0, agent.log()
    state = read_spool(spool)
    assert state.queued == 0, f"{state.queued} samples still spooled after a clean stop"
    assert state.dropped == 0, "the spool dropped samples (bounds too small for the test)"
    return {gateway: state.next_seq}


@pytest.mark.timeout(900)  # the I5G_LONG=1 outage alone is 4 minutes
@pytest.mark.parametrize(("mode", "short_s"), [("cut", 5), ("blackhole", 15)])
def test_agent_cut_off_from_the_broker_then_reconnected_loses_nothing(
    mode: str, short_s: float, mosquitto, influxdb, processes
) -> None:
    gateway = f"gw-{mode}-01"
    proxy = processes.proxy(mosquitto.port)
    processes.collector(mosquitto.port, influxdb.v2_url, influxdb.database, [gateway]).start()
    # keepalive 5 s: in a black hole (no RST, no FIN) the agent only notices through missing PINGRESPs.
    agent = processes.agent(processes.agent_config(gateway, proxy.port, mqtt="keepalive_s = 5"), "agent")
    spool = processes.root / "agent" / "spool.sqlite"
    wait_for(lambda: count_points(influxdb.url, influxdb.database) > 20, what="points before the cut")

    getattr(proxy, mode)()
    time.sleep(outage(short_s, 240))
    backlog = read_spool(spool).queued
    assert backlog > 0.5 * 20 * outage(short_s, 240), f"only {backlog} samples waited: was the agent cut off?"
    proxy.restore()
    wait_for(lambda: read_spool(spool).queued < 5, timeout=30, what="the backlog drained")
    assert proxy.connections >= 2, "the agent never reconnected"
    time.sleep(1)

    generated = stop_agent_and_account(agent, spool, gateway)
    book = wait_complete(influxdb.url, influxdb.database, generated)
    assert book.complete, book.summary()
    print(f"agent {mode} for {outage(short_s, 240):.0f} s, backlog {backlog}: {book.summary()}")


def test_agent_killed_with_sigkill_while_draining_its_spool_then_restarted_loses_nothing(
    mosquitto, influxdb, processes
) -> None:
    gateway = "gw-drain-kill-01"
    proxy = processes.proxy(mosquitto.port)
    proxy.cut()  # the agent starts offline and fills its spool
    processes.collector(mosquitto.port, influxdb.v2_url, influxdb.database, [gateway]).start()
    # 50 samples/s; 2 samples per message and one message in flight make the drain slow enough to kill it midway.
    config = processes.agent_config(
        gateway, proxy.port, mqtt="max_inflight = 1", spool='synchronous = "NORMAL"\nbatch_size = 2', interval_s=0.02
    )
    spool = processes.root / "agent" / "spool.sqlite"
    agent = processes.agent(config, "agent-1")
    time.sleep(outage(5, 60))
    # A starved machine (parallel test workers) samples slower than 50/s: wait for the backlog, not the clock.
    wait_for(lambda: read_spool(spool).queued >= 100, timeout=90, what="at least 100 samples spooled")
    backlog = read_spool(spool).queued

    proxy.throttle(0.02)  # a congested uplink: about 100 samples/s drain while 50/s are added
    wait_for(lambda: read_spool(spool).queued < 0.7 * backlog, timeout=120, interval=0.01, what="the drain under way")
    agent.kill9()
    left = read_spool(spool).queued
    assert 0 < left < backlog, f"killed with {left} of {backlog} left: not in the middle of the drain"

    proxy.restore()
    agent = processes.agent(config, "agent-2")
    wait_for(lambda: read_spool(spool).queued < 5, timeout=30, what="the rest of the spool drained")
    time.sleep(0.5)
    generated = stop_agent_and_account(agent, spool, gateway)
    book = wait_complete(influxdb.url, influxdb.database, generated)
    assert book.complete, book.summary()
    print(f"agent kill -9 with {left}/{backlog} samples left to drain: {book.summary()}")


def test_agent_keeps_samples_while_no_collector_subscribes(mosquitto, influxdb, processes) -> None:
    """The broker answers "no matching subscribers" (PUBACK 0x10) and drops the message when no collector
    session exists yet; the agent must keep those samples in its spool until one does."""
    gateway = "gw-no-subscriber-01"
    agent = processes.agent(processes.agent_config(gateway, mosquitto.port), "agent")
    spool = processes.root / "agent" / "spool.sqlite"
    wait_for(lambda: read_spool(spool).queued >= 40, what="samples held while nobody subscribes")
    assert "no subscriber took samples" in agent.log()
    processes.collector(mosquitto.port, influxdb.v2_url, influxdb.database, [gateway]).start()
    wait_for(lambda: read_spool(spool).queued < 5, timeout=60, what="the held samples delivered")
    generated = stop_agent_and_account(agent, spool, gateway)
    book = wait_complete(influxdb.url, influxdb.database, generated)
    assert book.complete, book.summary()
    print(f"agent before any collector existed: {book.summary()}")
