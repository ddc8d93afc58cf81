"""Fixtures of the fault suite: processes that are always stopped, and the cuttable TCP proxy. Servers come from
tests/conftest.py (`mosquitto`, `influxdb`, `own_influx` - which may be stopped - and `registry_server`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agent.conftest import AgentProcess, write_config
from tests.faults.harness import CollectorProcess, Fleet
from tests.faults.tcp_proxy import TcpProxy


class Processes:
    """Starts the suite's subprocesses and proxies and stops every one of them at teardown."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._stoppers: list[Callable[[], Any]] = []

    def collector(
        self, mqtt_port: int, influx_url: str, bucket: str, gateways: list[str], name: str = "collector", **extra: Any
    ) -> CollectorProcess:
        collector = CollectorProcess(self.root / name, mqtt_port, influx_url, bucket, gateways, **extra)
        self._stoppers.append(collector.stop)
        return collector

    def fleet(self, broker_port: int, count: int, rate: float, name: str = "fleet") -> Fleet:
        fleet = Fleet(self.root / name, broker_port, count, rate)
        self._stoppers.append(fleet.stop)
        return fleet

    def agent_config(
        self, gateway_id: str, broker_port: int, name: str = "agent", mqtt: str = "", spool: str = "", **agent: Any
    ) -> Path:
        """A real agent's config (simulated source, 20 samples/s unless interval_s says otherwise) with extra
        `mqtt` and `spool` TOML lines; its spool is <root>/<name>/spool.sqlite."""
        config = self.root / f"{name}.toml"
        extra = f"\n[agent.spool]\n{spool}\n" if spool else ""
        write_config(config, gateway_id, broker_port, self.root / name, extra, **agent)
        config.write_text(config.read_text().replace("[agent.mqtt]\n", f"[agent.mqtt]\n{mqtt}\n", 1))
        return config

    def agent(self, config: Path, log_name: str) -> AgentProcess:
        """`i5g agent run --config <config>` as a subprocess."""
        process = AgentProcess(config, self.root / f"{log_name}.log")
        self._stoppers.append(process.stop)
        return process

    def proxy(self, target_port: int) -> TcpProxy:
        proxy = TcpProxy(target_port).start()
        self._stoppers.append(proxy.stop)
        return proxy

    def close(self) -> None:
        for stop in reversed(self._stoppers):
            stop()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    yield started
    started.close()
