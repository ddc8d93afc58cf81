"""RSS and CPU of `i5g agent run` at 1 Hz, against a bare paho publish loop measured in the same run.

Starts its own Mosquitto (free port, temp dir) and a pymodbus server, then runs side by side for --duration
seconds (default 60):
- agent: `i5g agent run` (lean runtime after exec) with host + probe + Modbus + simulated sources, 1 Hz;
- agent --in-process: the same without the exec, i.e. with pydantic/pydantic-settings still loaded;
- agent + OPC UA: the lean agent plus the OPC UA source subscribed to three nodes of a local asyncua server
  (tests/agent/opcua_server.py, its own process) at 1 Hz;
- baseline: a bare `python -c` that connects paho (MQTT 5, loop_start) and publishes a payload of the same
  size at QoS 1 once a second.
RSS/PSS come from /proc/<pid>/status and smaps_rollup (sampled every second after a warm-up, max reported);
CPU is (utime + stime) over the measured window, as % of one core. Goal (issue 5): RSS <= 30 MB, CPU <= 2 %.
Before that window, the start-up is measured alone (--startup-runs times, default 3): `i5g agent run` first
validates the configuration with pydantic-settings, then execs the lean runtime; the validating process's
high-water mark (VmHWM, polled every 2 ms until the exec) and how long it lasts are printed.

    .venv/bin/python bench/agent_footprint.py [--duration 60]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from devstack.mosquitto import MosquittoServer  # noqa: E402
from tests.agent.modbus_server import ModbusTestServer  # noqa: E402
from tests.agent.opcua_server import OpcUaTestServer  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
WARMUP_S = 5.0

BASELINE = r"""
import json, random, sys, time
import paho.mqtt.client as mqtt
port = int(sys.argv[1])
client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="baseline-gw", protocol=mqtt.MQTTv5)
client.connect("127.0.0.1", port)
client.loop_start()
seq = 0
names = ["k%02d" % i for i in range(20)]
while True:
    sample = {"ts": int(time.time() * 1000), "seq": seq, "kpis": {n: round(random.random() * 100, 3) for n in names}}
    body = json.dumps({"v": 1, "gw": "baseline-gw", "samples": [sample]})
    client.publish("i5g/v1/baseline-gw/telemetry", body, qos=1)
    seq += 1
    time.sleep(1.0)
"""


@dataclass
class Measured:
    name: str
    proc: subprocess.Popen[bytes]
    rss_kb: list[int] = field(default_factory=list)
    pss_kb: list[int] = field(default_factory=list)
    cpu_start: float = 0.0
    cpu_end: float = 0.0
    window_s: float = 0.0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime

    def sample_memory(self) -> None:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines())
        self.rss_kb.append(int(status["VmRSS"].split()[0]))
        for line in Path(f"/proc/{self.proc.pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                self.pss_kb.append(int(line.split()[1]))

    @property
    def cpu_pct(self) -> float:
        return 100.0 * (self.cpu_end - self.cpu_start) / self.window_s

    def line(self) -> str:
        return (
            f"{self.name:<28} RSS max {max(self.rss_kb) / 1024:6.1f} MB (first {self.rss_kb[0] / 1024:.1f}, "
            f"last {self.rss_kb[-1] / 1024:.1f})  PSS max {max(self.pss_kb) / 1024:6.1f} MB  "
            f"CPU {self.cpu_pct:5.2f} % of one core"
        )


def start_subscriber(port: int) -> subprocess.Popen[bytes]:
    """A QoS 1 subscriber on every gateway topic, standing in for the collector: without one Mosquitto answers
    PUBACK 0x10 (no matching subscribers) and the agent keeps the samples and sends them again."""
    argv = ["mosquitto_sub", "-p", str(port), "-t", "i5g/v1/#", "-q", "1", "-V", "mqttv5", "-i", "bench-collector"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc


def wait_for_lean_runtime(runs: list[Measured], timeout_s: float = 60.0) -> None:
    """On a loaded machine `i5g agent run` may still be validating (pydantic loaded, ~35 MB) after the warm-up:
    wait until each agent has exec'd into `python -m edge_agent`, so the window measures the running agent."""
    deadline = time.monotonic() + timeout_s
    for run in runs:
        if "agent" not in run.name:
            continue
        while b"edge_agent" not in Path(f"/proc/{run.proc.pid}/cmdline").read_bytes() and time.monotonic() < deadline:
            time.sleep(0.2)


def startup_peak(i5g: str, config: Path) -> tuple[int, float]:
    """(VmHWM in kB, seconds) of `i5g agent run` from its start until it has exec'd into `python -m edge_agent`.

    exec gives the process a new address space and resets VmHWM, so the mark is polled up to the exec."""
    started = time.monotonic()
    proc = subprocess.Popen([i5g, "agent", "run", "--config", str(config)], stderr=subprocess.DEVNULL)
    peak_kb = 0
    try:
        while time.monotonic() - started < 60:
            try:
                cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except (FileNotFoundError, ProcessLookupError):
                break
            if b"edge_agent" in cmdline:
                return peak_kb, time.monotonic() - started
            if "VmHWM:" in status:
                peak_kb = max(peak_kb, int(status.split("VmHWM:")[1].split()[0]))
            time.sleep(0.002)
        raise SystemExit(f"`i5g agent run --config {config}` did not exec the lean runtime within 60 s")
    finally:
        proc.terminate()
        proc.wait(10)


def opcua_table(endpoint: str) -> str:
    """[agent.sources.opcua] subscribing to three nodes of tests/agent/opcua_server.py at 1 Hz."""
    from tests.agent.opcua_server import COUNTER, INFER_US, POS_ERR

    nodes = ((POS_ERR, "agv_pos_err_cm", 0.1), (INFER_US, "ctrl_loop_ms", 0.001), (COUNTER, "twin_sync_ms", 1))
    tables = "".join(f'\n[[agent.sources.opcua.nodes]]\nnode_id = "{node}"\nkpi = "{kpi}"\nscale = {scale}\n'
                     for node, kpi, scale in nodes)  # fmt: skip
    return f'\n[agent.sources.opcua]\nenabled = true\nendpoint = "{endpoint}"\ninterval_s = 1.0\n{tables}'


IMPORT_COST = """
import resource, sys, time
def rss(): return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])
import asyncio, threading, edge_agent.publisher  # what the agent has loaded anyway
before, started = rss(), time.perf_counter()
from asyncua import Client, ua
print(f"{time.perf_counter() - started:.2f} {(rss() - before) / 1024:.1f}")
"""


def agent_config(
    path: Path, state: Path, broker_port: int, modbus_port: int, modbus: bool = True, opcua: str = ""
) -> Path:
    path.write_text(f"""
[agent]
gateway_id = "bench-gw-01"
interval_s = 1.0
state_dir = "{state}"

[agent.mqtt]
port = {broker_port}

[agent.sources.simulated]
enabled = true
scenario = "machine_vision"

[agent.sources.host]
enabled = true

[agent.sources.probe]
enabled = true
targets = ["127.0.0.1:{broker_port}"]
count = 3

[agent.sources.modbus]
enabled = {"true" if modbus else "false"}

[[agent.sources.modbus.devices]]
host = "127.0.0.1"
port = {modbus_port}

[[agent.sources.modbus.devices.registers]]
kpi = "sensor_pps"
address = 0
type = "uint16"

[[agent.sources.modbus.devices.registers]]
kpi = "temp_c"
address = 1
type = "int16"
scale = 0.1

[[agent.sources.modbus.devices.registers]]
kpi = "vision_infer_ms"
address = 2
type = "float32"
{opcua_table(opcua) if opcua else ""}""")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds (after a 5 s warm-up)")
    parser.add_argument("--fleet", type=int, default=0, help="instead: `i5g agent simulate` with N gateways at 1 Hz")
    parser.add_argument("--startup-runs", type=int, default=3, help="start-ups measured alone before the window")
    args = parser.parse_args()
    if args.fleet:
        return fleet(args.fleet, args.duration)
    i5g = str(Path(sys.executable).parent / "i5g")
    with tempfile.TemporaryDirectory(prefix="i5g-bench-") as tmp:
        root = Path(tmp)
        broker = MosquittoServer(root / "mosquitto").start()
        modbus = ModbusTestServer({0: 4200, 1: 235, 2: 0x41CC, 3: 0x0000}).start()
        plc = OpcUaTestServer().start()
        subscriber = start_subscriber(broker.port)
        try:
            startup_config = agent_config(root / "startup.toml", root / "startup", broker.port, modbus.port)
            startups = [startup_peak(i5g, startup_config) for _ in range(args.startup_runs)]
            runs = []
            variants = (
                ("agent (lean runtime)", "lean", [], True, ""),
                ("agent without Modbus", "nomodbus", [], False, ""),
                ("agent --in-process", "inprocess", ["--in-process"], True, ""),
                ("agent + OPC UA (subscribe)", "opcua", [], True, plc.endpoint),
            )
            for name, key, extra, with_modbus, opcua in variants:
                config = agent_config(root / f"{key}.toml", root / key, broker.port, modbus.port, with_modbus, opcua)
                with open(root / f"{key}.log", "wb") as log:
                    proc = subprocess.Popen([i5g, "agent", "run", "--config", str(config), *extra], stderr=log)
                runs.append(Measured(name, proc))
            runs.append(Measured("baseline (bare paho loop)", subprocess.Popen(
                [sys.executable, "-c", BASELINE, str(broker.port)])))  # fmt: skip
            time.sleep(WARMUP_S)
            wait_for_lean_runtime([run for run in runs if "--in-process" not in run.proc.args])
            for run in runs:
                if run.proc.poll() is not None:
                    raise SystemExit(f"{run.name} exited early: see {root}")
                run.cpu_start = run.cpu_seconds()
            started = time.monotonic()
            while time.monotonic() - started < args.duration:
                for run in runs:
                    run.sample_memory()
                time.sleep(1.0)
            for run in runs:
                run.cpu_end = run.cpu_seconds()
                run.window_s = time.monotonic() - started
            for run in runs:
                run.proc.terminate()
                run.proc.wait(10)
        finally:
            subscriber.terminate()
            plc.stop()
            modbus.stop()
            broker.stop()
    agent, _, in_process, opcua, baseline = runs
    print(f"agent footprint over {args.duration:.0f} s at 1 Hz (host + probe + Modbus + simulated), Python "
          f"{sys.version.split()[0]}, {os.uname().machine}")  # fmt: skip
    for run in runs:
        print("  " + run.line())
    print(f"  RSS ratio agent / baseline: {max(agent.rss_kb) / max(baseline.rss_kb):.2f}")
    if startups:
        peaks = sorted(peak for peak, _ in startups)
        seconds = sorted(duration for _, duration in startups)
        print(
            f"  start-up before the exec (validation with pydantic-settings), median of {len(startups)}: peak "
            f"{peaks[len(peaks) // 2] / 1024:.1f} MB RSS (max {peaks[-1] / 1024:.1f}) for "
            f"{seconds[len(seconds) // 2]:.2f} s (max {seconds[-1]:.2f}); then the lean runtime above"
        )
    print(f"  RSS saved by the lean runtime exec: {(max(in_process.rss_kb) - max(agent.rss_kb)) / 1024:.1f} MB")
    print(
        f"  RSS ratio agent + OPC UA / baseline: {max(opcua.rss_kb) / max(baseline.rss_kb):.2f}; OPC UA adds "
        f"{(opcua.rss_kb[-1] - agent.rss_kb[-1]) / 1024:.1f} MB RSS (last samples: the steady state, not the "
        f"start-up peak), {opcua.cpu_pct - agent.cpu_pct:+.2f} % CPU"
    )
    seconds, megabytes = subprocess.run([sys.executable, "-c", IMPORT_COST], capture_output=True, text=True,
                                        cwd=REPO, check=True).stdout.split()  # fmt: skip
    print(f"  importing asyncua (Client, ua) alone: {seconds} s, {megabytes} MB RSS")
    cpu_ratio = f"{agent.cpu_pct / baseline.cpu_pct:.2f}" if baseline.cpu_pct > 0 else "n/a (baseline below 1 tick)"
    print(f"  CPU ratio agent / baseline: {cpu_ratio}")
    goal_ok = max(agent.rss_kb) <= 30 * 1024 and agent.cpu_pct <= 2.0
    print(f"  goal RSS <= 30 MB and CPU <= 2 %: {'met' if goal_ok else 'NOT met'}")
    return 0


def fleet(gateways: int, duration: float) -> int:
    """N simulated gateways at 1 Hz in one process: CPU, RSS, and delivered samples/s against the N/s offered."""
    i5g = str(Path(sys.executable).parent / "i5g")
    with tempfile.TemporaryDirectory(prefix="i5g-bench-fleet-") as tmp:
        root = Path(tmp)
        broker = MosquittoServer(root / "mosquitto", max_queued_messages=1000).start()
        subscriber = start_subscriber(broker.port)
        try:
            argv = [i5g, "agent", "simulate", "--gateways", str(gateways), "--rate", "1", "--log-level", "WARNING",
                    "--duration", str(duration + WARMUP_S + 10), "--broker", f"127.0.0.1:{broker.port}",
                    "--state-dir", str(root / "sim")]  # fmt: skip
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE)
            run = Measured(f"simulate {gateways} gateways", proc)
            time.sleep(WARMUP_S + 5)  # connects + first ticks
            run.cpu_start = run.cpu_seconds()
            started = time.monotonic()
            while time.monotonic() - started < duration:
                run.sample_memory()
                time.sleep(1.0)
            run.cpu_end = run.cpu_seconds()
            run.window_s = time.monotonic() - started
            out, _ = proc.communicate(timeout=120)
            broker_cpu = Measured("mosquitto", broker.process.proc)  # type: ignore[arg-type]
            broker_cpu_s = broker_cpu.cpu_seconds()
        finally:
            subscriber.terminate()
            broker.stop()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    offered = gateways * summary["elapsed_s"]
    print(f"fleet: {gateways} simulated gateways at 1 Hz in one process, {summary['elapsed_s']} s, "
          f"{os.uname().machine}, threads: 1 reactor + 4 connectors")  # fmt: skip
    print("  " + run.line())
    print(f"  samples produced {summary['samples']} / offered {offered:.0f} = {summary['samples'] / offered:.3f}")
    print(f"  acknowledged by the broker {summary['acked']} ({summary['acked'] / summary['samples']:.4f} of produced),"
          f" left in spools {summary['spooled']}")  # fmt: skip
    print(f"  per gateway: {max(run.rss_kb) / gateways:.1f} kB RSS, {run.cpu_pct / gateways * 1000:.2f} m% CPU;"
          f" mosquitto used {broker_cpu_s:.1f} CPU s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
