"""The agent's run loop: every `interval_s` read the sources, commit one sample to the spool, pump the link.

Two ways in:
- `run(resolved)`: in-process (tests, `i5g agent run --in-process`).
- `python -m edge_agent --config-fd N` (edge_agent/__main__.py): the lean runtime that `i5g agent run` execs
  into after it has validated the config with pydantic-settings. pydantic + pydantic-settings cost ~16 MB RSS on import
  (measured, docs/benchmarks.md) - more than the rest of the agent - and are not needed once the config is
  valid, so the process replaces itself (same PID, so systemd and `kill` see one process) with one that only
  reads the validated JSON. Nothing here may import pydantic.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from edge_agent.clock import RELEASE_FLOOR_MS, StampingClock, boot_id, monotonic_ms, synchronised_check
from edge_agent.publisher import GatewayLink, StatusInfo, close_links
from edge_agent.reactor import Reactor
from edge_agent.sources import GuardedSource, build_sources, problems, read_all
from edge_agent.spool import Spool, now_ms
from edge_agent.status import enabled_sources
from i5g import __version__

log = logging.getLogger("edge_agent")

SHUTDOWN_FLUSH_S = 2.0  # on SIGTERM: time allowed for the offline status and in-flight PUBACKs


def open_spool(resolved: dict[str, Any], path: Path | None = None) -> Spool:
    spool_cfg = resolved["spool"]
    return Spool(
        path or Path(resolved["state_dir"]) / "spool.sqlite",
        max_samples=int(spool_cfg["max_samples"]),
        max_age_s=float(spool_cfg["max_age_s"]),
        synchronous=spool_cfg["synchronous"],
    )


class Agent:
    def __init__(self, resolved: dict[str, Any], reactor: Reactor) -> None:
        self.gateway_id: str = resolved["gateway_id"]
        self.interval = float(resolved["interval_s"])
        self.reactor = reactor
        self.spool = open_spool(resolved)
        mode = resolved["clock_sync"]
        synchronised = synchronised_check(mode, Path(resolved["clock_synced_file"]))
        self.clock = StampingClock(mode, synchronised, max(RELEASE_FLOOR_MS, self.spool.last_ts))
        self.boot = boot_id()
        self.sources: list[GuardedSource] = build_sources(resolved["sources"], self.gateway_id)
        status = StatusInfo(__version__, enabled_sources(resolved), resolved["config_hash"])
        self.link = GatewayLink(
            self.gateway_id,
            resolved["mqtt"],
            self.spool,
            status,
            reactor,
            batch_size=int(resolved["spool"]["batch_size"]),
            status_interval_s=float(resolved["status_interval_s"]),
        )
        self._next_tick = 0.0

    def start(self) -> None:
        self.link.start()
        self._next_tick = time.monotonic()
        self.reactor.call_at(self._next_tick, self._tick)

    def _tick(self) -> None:
        self.sample()
        # Fixed cadence; if reading the sources took longer than the interval, skip to the next slot.
        now = time.monotonic()
        self._next_tick += self.interval
        if self._next_tick < now:
            self._next_tick = now + self.interval - (now - self._next_tick) % self.interval
        self.reactor.call_at(self._next_tick, self._tick)

    def sample(self) -> int | None:
        reading = read_all(self.sources)
        self._report_problems()
        if not reading.kpis:
            return None  # every source failed this tick; a sample needs at least one KPI
        wall = now_ms()
        if not self.clock.trusted(wall):
            self.spool.hold(self.boot, monotonic_ms(), reading.kpis, reading.ctx)
            return None
        if self.spool.held:
            stamped, dropped = self.spool.stamp_held(self.boot, wall - monotonic_ms())
            log.info("clock trusted: %d held samples restamped, %d of an earlier boot dropped", stamped, dropped)
        seq = self.spool.append(wall, reading.kpis, reading.ctx)
        self.link.pump()
        return seq

    def _report_problems(self) -> None:
        """A source item that gives no value (a refused OPC UA node) goes into the retained status at once."""
        found = problems(self.sources)
        if found != self.link.status.problems:
            self.link.status.problems = found
            if self.link.connected:
                self.link.publish_status()

    def close_sources(self) -> None:
        for source in self.sources:
            source.close()


def run(resolved: dict[str, Any], *, duration: float | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `duration` seconds); returns the exit status. SIGHUP re-reads the password
    file (rotation without a restart)."""
    reactor = Reactor()
    agent = Agent(resolved, reactor)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: reactor.stop())
    signal.signal(signal.SIGHUP, lambda *_: reactor.post_from_signal(agent.link.reload_password))
    log.info(
        "agent %s: gateway %s, sources %s, broker %s:%s, spool %s (%d queued, next seq %d)",
        __version__,
        agent.gateway_id,
        ",".join(s.name for s in agent.sources) or "none",
        resolved["mqtt"]["host"],
        resolved["mqtt"]["port"],
        agent.spool.path,
        len(agent.spool),
        agent.spool.next_seq,
    )
    agent.start()
    reactor.run(until=None if duration is None else time.monotonic() + duration)
    agent.close_sources()
    close_links(reactor, [agent.link], SHUTDOWN_FLUSH_S)
    agent.spool.close()
    reactor.close()
    return 0


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """`python -m edge_agent --config-fd N`, started by `i5g agent run` (argparse not loaded: 0.4 MB)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "--config-fd" or not args[1].isdigit():
        print("usage: python -m edge_agent --config-fd N (started by `i5g agent run`)", file=sys.stderr)
        return 2
    with os.fdopen(int(args[1]), "rb") as handle:
        resolved = json.loads(handle.read())
    configure_logging(resolved["log_level"])
    return run(resolved)


if __name__ == "__main__":
    sys.exit(main())
