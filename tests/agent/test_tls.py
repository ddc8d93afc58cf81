"""The agent over TLS (server verification on, the reactor's SSL read path) against a real Mosquitto TLS listener."""

from __future__ import annotations

import subprocess
from pathlib import Path

from i5g.stack.mosquitto import MosquittoServer
from i5g.stack.process import free_port
from tests.agent.conftest import first_occurrences, write_config


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA (openssl CLI, no test-only Python dependency)."""
    cert, key = directory / "broker.pem", directory / "broker.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_agent_publishes_over_tls_with_server_verification(tmp_path: Path, agent_processes, subscribers) -> None:
    cert, key = self_signed(tmp_path)
    tls_port = free_port()
    broker = MosquittoServer(
        tmp_path / "mosquitto", extra_config=f"listener {tls_port} 127.0.0.1\ncertfile {cert}\nkeyfile {key}"
    ).start()
    try:
        sub = subscribers(broker.port)  # plain listener for the test's subscriber
        gw = "gw-tls-01"
        extra = f'\n[agent.mqtt.tls]\nenabled = true\nca_file = "{cert}"\n'
        config = write_config(tmp_path / "agent.toml", gw, tls_port, tmp_path / "state", extra)
        agent = agent_processes(config, tmp_path / "agent.log")
        sub.wait_for(lambda: len(sub.seqs(gw)) >= 10, what="samples over TLS")
        agent.stop()
        seqs = first_occurrences(sub.seqs(gw))
        assert seqs == list(range(len(seqs)))

        # The same agent with a CA that did not sign the broker's certificate must not connect.
        (tmp_path / "other").mkdir()
        other_cert, _ = self_signed(tmp_path / "other")
        extra = f'\n[agent.mqtt.tls]\nenabled = true\nca_file = "{other_cert}"\n'
        config = write_config(tmp_path / "bad.toml", "gw-tls-02", tls_port, tmp_path / "state2", extra)
        bad = agent_processes(config, tmp_path / "bad.log")
        sub.wait_for(lambda: "certificate verify failed" in bad.log(), timeout=15, what="verification failure")
        assert sub.seqs("gw-tls-02") == []
    finally:
        broker.stop()
