"""Load: many simulated gateways through the whole pipeline on real servers; loss, latency, CPU and memory.

    .venv/bin/python bench/load.py --gateways 1000 --rate 1 --minutes 10 [--json-out FILE]

Real Mosquitto (persistence on), InfluxDB 1.x with the /api/v2/write proxy, `i5g collector run` and
`i5g agent simulate` (N gateways, each with its own MQTT connection, spool and seq) run as subprocesses.

- Loss: every gateway's spool says how many samples it generated (seq 0..next_seq-1); after the simulator
  stopped cleanly, InfluxDB must hold each of them once: count(distinct(seq)) == count(seq) == next_seq and
  max(seq) == next_seq - 1 per gateway. Loss = generated - stored; it must be 0.
- Latency: sample ts (taken when the agent samples, just before it publishes) to the moment the point is
  returned by an InfluxDB query. Polled every 0.25 s on the probe gateways (every 10th), so the figure
  includes up to 0.25 s of polling granularity.
- Baseline, measured in the same run: a bare paho QoS 1 subscriber on the same broker receives every
  telemetry message; its ts -> received latency is what the broker alone costs. Ratios collector/baseline are
  printed for the latency percentiles and for the sample rate (stored/s vs received/s).
- CPU (% of one core, mean over the run) and RSS (max) of the collector, broker, InfluxDB and simulator,
  sampled every 2 s with psutil.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psutil

from devstack.influxdb import InfluxDBServer, proxy_process
from devstack.mosquitto import MosquittoServer
from devstack.process import free_port
from i5g.contract import TELEMETRY_SUBSCRIPTION

I5G = str(Path(sys.executable).with_name("i5g"))
BUCKET = "load"
PREFIX = "load-gw"
PROBE_RE = re.compile(r"^load-gw-\d{3}0$")  # every 10th gateway is polled for latency


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def now_ms() -> float:
    return time.time_ns() / 1e6


# ----------------------------------------------------------------------------------------------- measuring


class BareSubscriber:
    """The baseline: what the broker alone delivers, and how fast (sample ts -> received)."""

    def __init__(self, port: int) -> None:
        self.samples = 0
        self.latencies: list[float] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="load-bare", protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(TELEMETRY_SUBSCRIPTION, qos=1)
        self.client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        received = now_ms()
        for sample in json.loads(message.payload)["samples"]:
            self.samples += 1
            self.latencies.append(received - sample["ts"])

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class LatencyPoller(threading.Thread):
    """First time each probe gateway's point is returned by a query, minus its ts."""

    def __init__(self, influx: InfluxDBServer) -> None:
        super().__init__(daemon=True)
        self.influx = influx
        self.seen: set[tuple[str, int]] = set()
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        regex = PROBE_RE.pattern.replace("/", r"\/")
        while not self.stop.wait(0.25):
            # A 10 s window: a point that takes longer than that to appear is counted in `unseen` instead.
            q = f"SELECT seq FROM kpi WHERE gateway =~ /{regex}/ AND time > now() - 10s GROUP BY gateway"
            try:
                result = self.influx.query(q, db=BUCKET)["results"][0]
            except OSError:
                continue
            seen_at = now_ms()
            for series in result.get("series", []):
                gateway = series["tags"]["gateway"]
                for ts, seq in series["values"]:
                    if (gateway, seq) not in self.seen:
                        self.seen.add((gateway, seq))
                        self.latencies.append(seen_at - ts)


@dataclass
class Usage:
    cpu: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)


class ResourceMonitor(threading.Thread):
    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.usage = {name: Usage() for name in pids}
        self.stop = threading.Event()

    def run(self) -> None:
        for process in self.processes.values():
            process.cpu_percent(None)
        while not self.stop.wait(2.0):
            for name, process in self.processes.items():
                try:
                    self.usage[name].cpu.append(process.cpu_percent(None))
                    self.usage[name].rss.append(process.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            name: {
                "cpu_pct_mean": round(sum(u.cpu) / len(u.cpu), 1) if u.cpu else float("nan"),
                "cpu_pct_max": round(max(u.cpu), 1) if u.cpu else float("nan"),
                "rss_mb_max": round(max(u.rss) / 2**20, 1) if u.rss else float("nan"),
            }
            for name, u in self.usage.items()
        }


# ---------------------------------------------------------------------------------------------------- stack


class Stack:
    def __init__(self, root: Path, gateways: list[str]) -> None:
        self.root = root
        self.broker = MosquittoServer(root / "mosquitto").start()
        self.influx = InfluxDBServer(root / "influx").start()
        self.influx.create_database(BUCKET)
        # The v2 proxy runs in its own process so it does not share a GIL with the measurement.
        self.proxy_port = free_port()
        self.proxy = proxy_process(self.influx.url, self.proxy_port, root / "v2proxy.log")
        self.proxy.start()
        state = root / "collector"
        state.mkdir()
        directory = {"gateways": [{"id": gw, "enabled": True, "use_case_id": 1, "scenario": "agv",
                                   "enterprise": "Load Ltd", "city": "宁波", "industry": "automotive"}
                                  for gw in gateways]}  # fmt: skip
        (state / "directory.json").write_text(json.dumps(directory), "utf-8")
        env = {
            **os.environ,
            "I5G_COLLECTOR_REPLICA": "load",
            "I5G_COLLECTOR_STATE_DIR": str(state),
            "I5G_COLLECTOR_MQTT_PORT": str(self.broker.port),
            "I5G_COLLECTOR_INFLUX_URL": f"http://127.0.0.1:{self.proxy_port}",
            "I5G_COLLECTOR_INFLUX_BUCKET": BUCKET,
            "I5G_COLLECTOR_REGISTRY_URL": f"http://127.0.0.1:{free_port()}",  # down: the cached directory serves
            "I5G_COLLECTOR_METRICS_PORT": str(free_port()),
            "I5G_COLLECTOR_LOG_LEVEL": "WARNING",
        }
        with (root / "collector.log").open("ab") as log:
            self.collector = subprocess.Popen([I5G, "collector", "run"], env=env, stdout=log, stderr=log)
        time.sleep(2)  # the collector's session and subscription exist before the first sample

    def close(self) -> None:
        self.collector.terminate()
        self.collector.wait(30)
        self.proxy.stop()
        self.influx.stop()
        self.broker.stop()


def spool_next_seqs(state_dir: Path, gateways: list[str]) -> tuple[dict[str, int], int]:
    """Per gateway: how many samples it generated (seq 0..n-1); and how many are still spooled in all."""
    generated, spooled = {}, 0
    for gw in gateways:
        with sqlite3.connect(state_dir / f"{gw}.sqlite") as db:
            newest, queued = db.execute("SELECT max(seq), count(*) FROM samples").fetchone()
            meta_next = db.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()[0]
        generated[gw] = max(int(meta_next), -1 if newest is None else newest + 1)
        spooled += int(queued)
    return generated, spooled


def stored_per_gateway(influx: InfluxDBServer) -> dict[str, tuple[int, int, int]]:
    """gateway -> (count(seq), count(distinct(seq)), max(seq))."""
    q = "SELECT count(seq), max(seq) FROM kpi GROUP BY gateway; SELECT count(distinct(seq)) FROM kpi GROUP BY gateway"
    totals, distinct = influx.query(q, db=BUCKET)["results"]
    counts = {s["tags"]["gateway"]: s["values"][0][1:] for s in totals.get("series", [])}
    uniques = {s["tags"]["gateway"]: s["values"][0][1] for s in distinct.get("series", [])}
    return {gw: (int(c), int(uniques.get(gw, 0)), int(m)) for gw, (c, m) in counts.items()}


def loss(generated: dict[str, int], stored: dict[str, tuple[int, int, int]]) -> tuple[int, int]:
    """(samples missing, non-identical duplicates) over all gateways."""
    missing = duplicates = 0
    for gw, n in generated.items():
        count, unique, newest = stored.get(gw, (0, 0, -1))
        missing += n - min(unique, n) + (1 if unique == n and newest != n - 1 else 0)
        duplicates += count - unique
    return missing, duplicates


# ------------------------------------------------------------------------------------------------------ run


def run(gateways: int, rate: float, minutes: float, root: Path) -> dict[str, Any]:
    ids = [f"{PREFIX}-{i:04d}" for i in range(1, gateways + 1)]
    stack = Stack(root, ids)
    bare = BareSubscriber(stack.broker.port)
    poller = LatencyPoller(stack.influx)
    sim_state = root / "simulate"
    argv = [I5G, "agent", "simulate", "--gateways", str(gateways), "--rate", str(rate),
            "--duration", str(minutes * 60), "--broker", f"127.0.0.1:{stack.broker.port}",
            "--state-dir", str(sim_state), "--gateway-prefix", PREFIX, "--log-level", "WARNING"]  # fmt: skip
    try:
        started = time.monotonic()
        simulator = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=(root / "simulate.log").open("ab"))
        monitor = ResourceMonitor({"collector": stack.collector.pid, "mosquitto": stack.broker.process.pid,
                                   "influxd": stack.influx.process.pid, "simulator": simulator.pid})  # fmt: skip
        monitor.start()
        poller.start()
        out, _ = simulator.communicate(timeout=minutes * 60 + 300)
        elapsed = time.monotonic() - started
        summary = json.loads(out.decode().strip().splitlines()[-1])
        generated, spooled = spool_next_seqs(sim_state, ids)
        total = sum(generated.values())
        deadline = time.monotonic() + 120
        while True:  # the collector finishes what the broker still holds
            stored = stored_per_gateway(stack.influx)
            missing, duplicates = loss(generated, stored)
            if missing == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        time.sleep(1)
        poller.stop.set()
        monitor.stop.set()
        poller.join(5)
        monitor.join(5)
    finally:
        bare.close()
        stack.close()
    stored_total = sum(unique for _, unique, _ in stored.values())
    unseen = sum(1 for gw, n in generated.items() if PROBE_RE.match(gw) for _ in range(n)) - len(poller.latencies)
    return {
        "command": f"bench/load.py --gateways {gateways} --rate {rate:g} --minutes {minutes:g}",
        "gateways": gateways,
        "connected_at_end": summary.get("connected"),
        "elapsed_s": round(elapsed, 1),
        "generated": total,
        "stored": stored_total,
        "spooled_at_end": spooled,
        "loss": missing,
        "non_identical_duplicates": duplicates,
        "latency_ms": {
            "p50": round(percentile(poller.latencies, 0.5)),
            "p99": round(percentile(poller.latencies, 0.99)),
            "max": round(max(poller.latencies, default=float("nan"))),
            "points": len(poller.latencies),
            "unseen": unseen,
        },
        "baseline_latency_ms": {
            "p50": round(percentile(bare.latencies, 0.5), 1),
            "p99": round(percentile(bare.latencies, 0.99), 1),
            "samples": bare.samples,
        },
        "rate_ratio": round(stored_total / bare.samples, 3) if bare.samples else float("nan"),
        "resources": monitor.summary(),
    }


def report(result: dict[str, Any]) -> None:
    lat, base = result["latency_ms"], result["baseline_latency_ms"]
    print(f"{result['command']}: {result['gateways']} gateways for {result['elapsed_s']} s")
    print(
        f"generated {result['generated']}, stored {result['stored']}, loss {result['loss']} (must be 0), "
        f"non-identical duplicates {result['non_identical_duplicates']}, still spooled {result['spooled_at_end']}"
    )
    print(
        f"end-to-end latency (ts -> queryable, probe gateways, {lat['points']} points, {lat['unseen']} unseen): "
        f"p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms"
    )
    print(
        f"baseline broker-only latency (ts -> bare subscriber, {base['samples']} samples): "
        f"p50 {base['p50']} ms, p99 {base['p99']} ms"
    )
    print(
        f"ratios: samples stored / samples the bare subscriber got = {result['rate_ratio']}; "
        f"latency p50 collector - baseline = {lat['p50'] - base['p50']:.0f} ms"
    )
    for name, usage in result["resources"].items():
        print(f"{name:10s} CPU mean {usage['cpu_pct_mean']}% (max {usage['cpu_pct_max']}%) of one core, "
              f"RSS max {usage['rss_mb_max']} MB")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateways", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1.0, help="samples per second per gateway")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--json-out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="i5g-load-") as tmp:
        result = run(args.gateways, args.rate, args.minutes, Path(tmp))
    report(result)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2))
    return 0 if result["loss"] == 0 and result["spooled_at_end"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
