"""Soak: RSS of `i5g agent run` over hours with the broker link cut and restored on a fixed period.

Starts its own Mosquitto, a pymodbus server, a QoS 1 subscriber (standing in for the collector) and a TCP proxy
between the agent and the broker (tests/faults/tcp_proxy.py). The agent runs at 1 Hz with the sources of
bench/agent_footprint.py (host + probe + Modbus + simulated). Every --period seconds (default 300) the proxy
cuts the link (open connections closed, new ones refused) for --cut seconds (default 60), then restores it:
the agent spools for a minute, reconnects and drains its backlog.

RSS (/proc/<pid>/status VmRSS) is sampled every 10 s; one JSON line per sample goes to stdout, so a run that is
stopped early still leaves its figures. The summary compares the RSS after --settle seconds (default 600) with
the RSS at the end. Goal (issue 20): end within 1 MB of the 10-minute figure.

    .venv/bin/python bench/agent_soak.py [--hours 2] [--period 300] [--cut 60] [--settle 600]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from agent_footprint import agent_config, start_subscriber  # noqa: E402

from devstack.mosquitto import MosquittoServer  # noqa: E402
from tests.agent.modbus_server import ModbusTestServer  # noqa: E402
from tests.faults.tcp_proxy import TcpProxy  # noqa: E402

SAMPLE_EVERY_S = 10.0


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def emit(record: dict[str, object]) -> None:
    print(json.dumps(record), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=2.0, help="total run time")
    parser.add_argument("--period", type=float, default=300.0, help="seconds between link cuts")
    parser.add_argument("--cut", type=float, default=60.0, help="seconds the link stays cut each time")
    parser.add_argument("--settle", type=float, default=600.0, help="reference RSS is taken at this age")
    args = parser.parse_args()
    i5g = str(Path(sys.executable).parent / "i5g")
    total_s = args.hours * 3600
    with tempfile.TemporaryDirectory(prefix="i5g-soak-") as tmp:
        root = Path(tmp)
        broker = MosquittoServer(root / "mosquitto").start()
        modbus = ModbusTestServer({0: 4200, 1: 235, 2: 0x41CC, 3: 0x0000}).start()
        subscriber = start_subscriber(broker.port)
        proxy = TcpProxy(broker.port).start()
        config = agent_config(root / "soak.toml", root / "state", broker.port, modbus.port)
        # the agent reaches the broker only through the proxy; the probe still measures the broker itself
        config.write_text(config.read_text().replace(f"port = {broker.port}\n", f"port = {proxy.port}\n", 1))
        log = open(root / "agent.log", "wb")  # noqa: SIM115  (closed in finally)
        agent = subprocess.Popen([i5g, "agent", "run", "--config", str(config)], stderr=log)
        started = time.monotonic()
        reference: int | None = None
        samples: list[tuple[float, int]] = []
        cuts = 0
        try:
            next_cut = args.period
            while (age := time.monotonic() - started) < total_s:
                if agent.poll() is not None:
                    raise SystemExit(f"agent exited with {agent.returncode}: see {root / 'agent.log'}")
                if age >= next_cut:
                    proxy.cut()
                    cuts += 1
                    emit({"event": "cut", "age_s": round(age), "cut": cuts})
                    time.sleep(args.cut)
                    proxy.restore()
                    emit({"event": "restore", "age_s": round(time.monotonic() - started)})
                    next_cut += args.period
                    continue
                rss = rss_kb(agent.pid)
                samples.append((age, rss))
                if reference is None and age >= args.settle:
                    reference = rss
                emit({"age_s": round(age), "rss_kb": rss, "connections": proxy.connections})
                time.sleep(SAMPLE_EVERY_S)
        finally:
            agent.terminate()
            agent.wait(15)
            log.close()
            proxy.stop()
            subscriber.terminate()
            modbus.stop()
            broker.stop()
    end_rss = samples[-1][1]
    summary = {
        "hours": round(samples[-1][0] / 3600, 2),
        "cuts": cuts,
        "reconnects": proxy.connections - 1,
        "rss_at_settle_kb": reference,
        "rss_end_kb": end_rss,
        "rss_max_kb": max(r for _, r in samples),
        "growth_kb": None if reference is None else end_rss - reference,
    }
    emit({"summary": summary})
    if reference is not None:
        verdict = "met" if abs(end_rss - reference) <= 1024 else "NOT met"
        print(f"RSS after {args.settle / 60:.0f} min {reference / 1024:.1f} MB, at the end "
              f"({summary['hours']} h, {cuts} cuts) {end_rss / 1024:.1f} MB: goal within 1 MB {verdict}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
