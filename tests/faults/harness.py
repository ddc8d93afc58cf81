"""The fault suite's harness: the collector, simulated fleets and single agents as real subprocesses, and the
ledger that compares what the agents generated with what InfluxDB holds.

What was generated is read from the agents' own spools: seq is the spool's INTEGER PRIMARY KEY, starts at 0
and only grows (edge_agent/spool.py), so a gateway whose spool says next_seq = n generated seqs 0..n-1, and
a spool that is empty after a clean stop handed every one of them to the broker. What was stored is
`SELECT seq FROM kpi GROUP BY gateway`. A seq stored twice at the same ts is one point (InfluxDB keeps one);
a seq stored at two different times would be a non-identical duplicate and fails the check.

I5G_LONG=1 turns every outage into its long form (see `outage`).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.influxdb import query
from devstack.process import free_port
from i5g.contract import FIELD_SEQ, MEASUREMENT_KPI, TAG_GATEWAY
from tests.collector.conftest import collector_env, wait_for, write_directory_cache

I5G = str(Path(sys.executable).with_name("i5g"))
LONG = os.environ.get("I5G_LONG") == "1"


def outage(short_s: float, long_s: float) -> float:
    """How long a fault lasts: seconds in the default run, the issue's figure with I5G_LONG=1."""
    return long_s if LONG else short_s


# ------------------------------------------------------------------------------------------------ spools


@dataclass(frozen=True)
class SpoolState:
    next_seq: int  # seqs 0..next_seq-1 were generated
    queued: int  # still in the spool (not acknowledged by the broker)
    dropped: int  # dropped by the spool's bounds and not yet reported


def read_spool(path: Path) -> SpoolState:
    if not path.exists():
        return SpoolState(0, 0, 0)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        try:
            newest, queued = db.execute("SELECT max(seq), count(*) FROM samples").fetchone()
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError:  # the agent has not created its tables yet
            return SpoolState(0, 0, 0)
    next_seq = max(int(meta.get("next_seq", 0)), -1 if newest is None else newest + 1)
    return SpoolState(next_seq, int(queued), int(meta.get("dropped", 0)))


# ------------------------------------------------------------------------------------------------ ledger


@dataclass
class Ledger:
    """Generated vs stored, per gateway."""

    generated: dict[str, int]  # gateway -> next_seq
    missing: dict[str, list[int]] = field(default_factory=dict)
    non_identical_duplicates: dict[str, int] = field(default_factory=dict)
    stored: int = 0

    @property
    def total(self) -> int:
        return sum(self.generated.values())

    @property
    def complete(self) -> bool:
        return not self.missing and not self.non_identical_duplicates

    def summary(self) -> str:
        missing = {gw: (len(seqs), seqs[:10]) for gw, seqs in self.missing.items()}
        return (
            f"generated {self.total}, stored {self.stored}, missing {missing or 0}, "
            f"non-identical duplicates {self.non_identical_duplicates or 0}"
        )


def stored_seqs(influx_url: str, database: str, where: str = "") -> dict[str, list[int]]:
    """Every stored seq of the `kpi` measurement, per gateway (one entry per point)."""
    result = query(influx_url, f"SELECT {FIELD_SEQ} FROM {MEASUREMENT_KPI} {where} GROUP BY {TAG_GATEWAY}", database)[
        "results"
    ][0]
    if "error" in result:
        raise AssertionError(f"InfluxQL error: {result['error']}")
    return {s["tags"]["gateway"]: [row[1] for row in s["values"]] for s in result.get("series", [])}


def ledger(influx_url: str, database: str, generated: dict[str, int]) -> Ledger:
    stored = stored_seqs(influx_url, database)
    book = Ledger(generated, stored=sum(len(stored.get(gw, [])) for gw in generated))
    for gateway, count in generated.items():
        seqs = stored.get(gateway, [])
        missing = sorted(set(range(count)) - set(seqs))
        if missing:
            book.missing[gateway] = missing
        if len(seqs) != len(set(seqs)):
            book.non_identical_duplicates[gateway] = len(seqs) - len(set(seqs))
    return book


def count_points(influx_url: str, database: str) -> int:
    result = query(influx_url, f"SELECT count({FIELD_SEQ}) FROM {MEASUREMENT_KPI}", database)["results"][0]
    series = result.get("series") or []
    return int(series[0]["values"][0][1]) if series else 0


def wait_complete(influx_url: str, database: str, generated: dict[str, int], timeout: float = 30.0) -> Ledger:
    """Poll until every generated seq is stored (or the timeout); returns the last ledger."""
    assert generated and all(generated.values()), f"nothing was generated: {generated}"
    deadline = time.monotonic() + timeout
    while True:
        book = ledger(influx_url, database, generated)
        if book.complete or time.monotonic() > deadline:
            return book
        time.sleep(0.25)


# ------------------------------------------------------------------------------------------- processes


def directory_entries(gateway_ids: list[str], scenario: str = "agv") -> list[dict[str, Any]]:
    """Registry directory entries for the collector's cache file (the registry itself is not needed)."""
    return [
        {"id": gw, "enabled": True, "use_case_id": 1, "scenario": scenario, "enterprise": "Faults Ltd",
         "city": "宁波", "industry": "automotive"}
        for gw in gateway_ids
    ]  # fmt: skip


class CollectorProcess:
    """`i5g collector run` as a subprocess; the same replica name across restarts resumes its MQTT session."""

    def __init__(
        self, state_dir: Path, mqtt_port: int, influx_url: str, bucket: str, gateways: list[str], **extra: Any
    ) -> None:
        self.state_dir = state_dir
        if gateways:
            write_directory_cache(state_dir, directory_entries(gateways))
        self.metrics_port = free_port()
        self.env = {
            **os.environ,
            **collector_env(mqtt_port, influx_url, bucket, state_dir, replica="faults",
                            metrics_port=self.metrics_port, **extra),
        }  # fmt: skip
        self.log_path = state_dir.parent / f"{state_dir.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> CollectorProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen([I5G, "collector", "run"], env=self.env, stdout=log, stderr=log)
        if wait:
            wait_for(lambda: (self.health() or {}).get("mqtt_connected"), what=f"collector up; {self.log_tail()}")
        return self

    def health(self) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/healthz", timeout=1) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:  # 503 while degraded, with the same JSON body
            return json.loads(exc.read())
        except OSError:
            return None

    def counters(self) -> dict[str, float]:
        """The collector's Prometheus counters and gauges, e.g. {"received_total": 12.0, ...}."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=1) as response:
            text = response.read().decode()
        pairs = (line.split() for line in text.splitlines() if line.startswith("i5g_collector_"))
        return {name.removeprefix("i5g_collector_"): float(value) for name, value in pairs}

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log yet)"


class Fleet:
    """`i5g agent simulate`: `count` gateways at `rate` samples/s each, one spool per gateway."""

    def __init__(self, state_dir: Path, broker_port: int, count: int, rate: float, prefix: str = "fault-gw") -> None:
        self.state_dir = state_dir
        self.rate = rate
        self.ids = [f"{prefix}-{i:04d}" for i in range(1, count + 1)]
        self.argv = [I5G, "agent", "simulate", "--gateways", str(count), "--rate", str(rate),
                     "--broker", f"127.0.0.1:{broker_port}", "--state-dir", str(state_dir),
                     "--gateway-prefix", prefix, "--scenario", "agv", "--log-level", "WARNING"]  # fmt: skip
        # Reconnect quickly after a broker restart (the default backoff grows to 60 s).
        self.env = {**os.environ, "I5G_AGENT_SIMULATE_MQTT__RECONNECT_MIN_S": "0.1",
                    "I5G_AGENT_SIMULATE_MQTT__RECONNECT_MAX_S": "1"}  # fmt: skip
        self.log_path = state_dir.parent / f"{state_dir.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Fleet:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=log)
        return self

    def stop(self) -> None:
        """SIGTERM: the simulator waits for in-flight PUBACKs, says offline and exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)

    def spools(self) -> dict[str, SpoolState]:
        return {gw: read_spool(self.state_dir / f"{gw}.sqlite") for gw in self.ids}

    def generated(self) -> dict[str, int]:
        return {gw: state.next_seq for gw, state in self.spools().items()}

    def samples(self) -> int:
        return sum(self.generated().values())

    def queued(self) -> int:
        return sum(state.queued for state in self.spools().values())


def stop_and_account(fleet: Fleet) -> dict[str, int]:
    """Stop the fleet cleanly and return what it generated; every spool must have been handed over.

    A clean stop hands over only what is in flight: a gateway still reconnecting after a fault (its backoff
    stretches on a loaded machine) keeps its spool, which is right for the agent but not what the scenario
    accounts. So first wait until every gateway is connected and draining (a few seconds of samples at most).
    """
    backlog = max(2.0, 3 * fleet.rate)
    wait_for(lambda: max(s.queued for s in fleet.spools().values()) <= backlog, timeout=60,
             what="every gateway connected and draining")  # fmt: skip
    fleet.stop()
    spools = fleet.spools()
    undelivered = {gw: s.queued for gw, s in spools.items() if s.queued}
    assert not undelivered, f"samples still spooled after a clean stop: {undelivered}"
    assert not any(s.dropped for s in spools.values()), "a spool dropped samples (bounds too small for the test)"
    return {gw: s.next_seq for gw, s in spools.items()}
