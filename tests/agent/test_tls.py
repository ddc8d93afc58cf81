"""The agent over TLS (server verification on, the reactor's SSL read path) against a real Mosquitto TLS listener."""

from __future__ import annotations

from pathlib import Path

from tests.agent.conftest import first_occurrences, write_config
from tests.conftest import TlsBroker
from tests.tls import self_signed


def test_agent_publishes_over_tls_with_server_verification(
    tls_mosquitto: TlsBroker, tmp_path: Path, agent_processes, subscribers
) -> None:
    sub = subscribers(tls_mosquitto.server.port)  # plain listener for the test's subscriber
    gw = "gw-tls-01"
    extra = f'\n[agent.mqtt.tls]\nenabled = true\nca_file = "{tls_mosquitto.ca_file}"\n'
    config = write_config(tmp_path / "agent.toml", gw, tls_mosquitto.tls_port, tmp_path / "state", extra)
    agent = agent_processes(config, tmp_path / "agent.log")
    sub.wait_for(lambda: len(sub.seqs(gw)) >= 10, what="samples over TLS")
    agent.stop()
    seqs = first_occurrences(sub.seqs(gw))
    assert seqs == list(range(len(seqs)))

    # The same agent with a CA that did not sign the broker's certificate must not connect.
    other_cert, _ = self_signed(tmp_path / "other")
    extra = f'\n[agent.mqtt.tls]\nenabled = true\nca_file = "{other_cert}"\n'
    config = write_config(tmp_path / "bad.toml", "gw-tls-02", tls_mosquitto.tls_port, tmp_path / "state2", extra)
    bad = agent_processes(config, tmp_path / "bad.log")
    sub.wait_for(lambda: "certificate verify failed" in bad.log(), timeout=15, what="verification failure")
    assert sub.seqs("gw-tls-02") == []
