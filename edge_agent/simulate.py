"""Fleet simulator: N simulated gateways in one process (`i5g agent simulate`), for the demo and load tests.

Each gateway is a full agent minus the real sources: its own MQTT client (client id = gateway id, its own
credentials when a credentials file gives them), its own spool (<state_dir>/<gateway_id>.sqlite), its own
seq, birth message and last will. All of them share one reactor thread (edge_agent/reactor.py), so 1000
gateways cost 1000 sockets, not 1000 threads. Ticks are spread evenly over the sampling period so the broker
sees a steady stream rather than N messages at once.
"""

from __future__ import annotations

import json
import logging
import resource
import signal
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_agent.publisher import GatewayLink, StatusInfo, close_links
from edge_agent.reactor import Reactor
from edge_agent.sources.simulated import stable_seed, stream_for
from edge_agent.spool import Spool, now_ms
from edge_agent.status import config_hash
from i5g import __version__
from i5g.contract import broker_username
from i5g.scenarios import SCENARIOS

log = logging.getLogger("edge_agent.simulate")

FDS_PER_GATEWAY = 4  # socket + SQLite database, WAL and shared-memory files
SPOOL_CACHE_KIB = 32  # SQLite page cache per gateway: 1000 gateways x 256 KiB would be 250 MB


@dataclass
class GatewaySpec:
    gateway_id: str
    scenario: str
    password: str | None = None
    behaviour: str = "default"


def read_credentials(path: Path) -> list[dict[str, Any]]:
    """The credentials file: a JSON list, or TOML with `[[gateways]]`, of {gateway_id, password, scenario}."""
    text = path.read_text()
    if path.suffix == ".toml":
        data: Any = tomllib.loads(text).get("gateways", [])
    else:
        data = json.loads(text)
        if isinstance(data, dict):
            data = data.get("gateways", [])
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of gateways")
    return data


def fleet(settings: Any) -> list[GatewaySpec]:
    """The gateways to simulate: the credentials file's (first N), or N generated ids cycling scenarios."""
    if settings.credentials_file is not None:
        from edge_agent.settings import SimulatedGateway  # validates each entry, naming the bad one

        entries = [SimulatedGateway(**entry) for entry in read_credentials(settings.credentials_file)]
        specs = [GatewaySpec(e.gateway_id, settings.scenario or e.scenario, e.password, e.behaviour) for e in entries]
        return specs[: settings.gateways] if settings.gateways else specs
    keys = [settings.scenario] if settings.scenario else sorted(SCENARIOS)
    count = settings.gateways or 10
    return [GatewaySpec(f"{settings.gateway_prefix}-{i:04d}", keys[i % len(keys)]) for i in range(1, count + 1)]


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise RuntimeError(f"{needed} file descriptors needed, hard limit is {hard} (raise LimitNOFILE/ulimit -Hn)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


class FleetMember:
    def __init__(self, spec: GatewaySpec, settings: Any, mqtt_config: dict[str, Any], reactor: Reactor) -> None:
        self.spec = spec
        self.reactor = reactor
        self.period = 1.0 / settings.rate_hz
        self.stream = stream_for(
            spec.scenario, stable_seed(settings.seed, spec.gateway_id), spec.behaviour, settings.degradation_rate
        )
        self.spool = Spool(
            settings.state_dir / f"{spec.gateway_id}.sqlite",
            max_samples=settings.spool_max_samples,
            synchronous=settings.spool_synchronous,
            cache_kib=SPOOL_CACHE_KIB,
        )
        config = dict(mqtt_config)
        if spec.password is not None:
            config["username"], config["password"] = broker_username(spec.gateway_id), spec.password
        status = StatusInfo(__version__, ["simulated"], config_hash({"scenario": spec.scenario, "mqtt": {}}))
        self.link = GatewayLink(spec.gateway_id, config, self.spool, status, reactor)
        self.samples = 0
        self._next = 0.0

    def start(self, offset: float) -> None:
        self.link.start()
        if self.spec.behaviour == "silent":
            return  # connected and online, but it never measures anything: "no data" in the evidence
        self._next = time.monotonic() + offset
        self.reactor.call_at(self._next, self._tick)

    def _tick(self) -> None:
        reading = self.stream.next()
        self.spool.append(now_ms(), reading.kpis, reading.ctx)
        self.samples += 1
        self.link.pump()
        self._next += self.period
        self.reactor.call_at(max(self._next, time.monotonic()), self._tick)


def run(settings: Any) -> dict[str, Any]:
    """Run the fleet until the duration ends or SIGTERM/SIGINT; returns totals (printed as JSON by the CLI)."""
    specs = fleet(settings)
    raise_fd_limit(len(specs) * FDS_PER_GATEWAY + 64)
    mqtt_config = settings.mqtt.model_dump(mode="json")
    reactor = Reactor(connector_threads=settings.connector_threads)
    gateways = [FleetMember(spec, settings, mqtt_config, reactor) for spec in specs]
    for index, gateway in enumerate(gateways):
        gateway.start(offset=index * (1.0 / settings.rate_hz) / len(gateways))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: reactor.stop())
    started = time.monotonic()
    log.info("simulating %d gateways at %.2f Hz against %s:%s", len(gateways), settings.rate_hz,
             mqtt_config["host"], mqtt_config["port"])  # fmt: skip
    reactor.call_later(10.0, lambda: _progress(reactor, gateways))
    reactor.run(until=None if settings.duration_s is None else started + settings.duration_s)
    elapsed = time.monotonic() - started
    close_links(reactor, [g.link for g in gateways], timeout=5.0)
    summary = _totals(gateways) | {"gateways": len(gateways), "elapsed_s": round(elapsed, 1)}
    for gateway in gateways:
        gateway.spool.close()
    reactor.close()
    return summary


def _totals(gateways: list[FleetMember]) -> dict[str, int]:
    return {
        "connected": sum(g.link.connected for g in gateways),
        "samples": sum(g.samples for g in gateways),
        "acked": sum(g.link.stats.acked_samples for g in gateways),
        "spooled": sum(len(g.spool) for g in gateways),
    }


def _progress(reactor: Reactor, gateways: list[FleetMember]) -> None:
    log.info("progress: %s", _totals(gateways))
    reactor.call_later(10.0, lambda: _progress(reactor, gateways))
