"""What each import and each source of the agent's lean runtime costs in RSS, in fresh interpreters.

Two measurements, both in child interpreters started like the runtime (`python -m edge_agent` applies the
deferrals of edge_agent/deferred.py first):
- cumulative: the modules the agent loads, imported one after another in one interpreter, in the order the
  runtime meets them; RSS (/proc/self/status VmRSS) after each step, so each row is what that step adds on top
  of everything before it (what the agent really pays for it);
- alone: each module in its own fresh interpreter (after the deferrals), RSS minus a bare interpreter's; shared
  dependencies are counted in every row, so the rows do not add up.
Each figure is the median of --repeat runs (default 3). A source row builds the source from the footprint
bench's configuration and reads it once (a Modbus device is served by a pymodbus server started here).

    .venv/bin/python bench/agent_imports.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.agent.modbus_server import ModbusTestServer  # noqa: E402

PRELUDE = """
import sys
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
from edge_agent.deferred import UNUSED_ON_GATEWAYS, defer
for name in UNUSED_ON_GATEWAYS:
    defer(name)
out = [("python + deferrals", rss())]
"""

# (label, statement) in the order the runtime meets them: edge_agent/__main__.py -> agent.py -> sources.
STEPS: tuple[tuple[str, str], ...] = (
    ("ssl", "import ssl"),
    ("paho-mqtt", "import paho.mqtt.client"),
    ("sqlite3 (spool)", "import sqlite3"),
    ("i5g.contract", "import i5g.contract"),
    ("edge_agent.agent (rest of the runtime)", "import edge_agent.agent"),
    ("source simulated", "import edge_agent.sources.simulated"),
    ("source host (module)", "import edge_agent.sources.host"),
    ("source host: first read", "HOST"),
    ("source probe", "import edge_agent.sources.probe"),
    ("source modbus (module)", "import edge_agent.sources.modbus"),
    ("source modbus: client built, first read", "MODBUS"),
    ("source modem_quectel (module)", "import edge_agent.sources.modem_quectel"),
    ("source modem_mm (module)", "import edge_agent.sources.modem_mm"),
    ("source modem_fibocom (module)", "import edge_agent.sources.modem_fibocom"),
    ("source modem_huawei (module)", "import edge_agent.sources.modem_huawei"),
)

HOST = "from edge_agent.sources.host import HostSource; HostSource({'disk_path': '/', 'interfaces': []}).read()"
MODBUS = (
    "from edge_agent.sources.modbus import ModbusSource; ModbusSource({'devices': [{'host': '127.0.0.1', "
    "'port': %d, 'unit_id': 1, 'timeout_s': 1.0, 'registers': [{'kpi': 'sensor_pps', 'address': 0, "
    "'type': 'uint16', 'table': 'holding', 'byte_order': 'big', 'word_order': 'big', 'scale': 1, "
    "'offset': 0}]}]}).read()"
)


def statement(code: str, modbus_port: int) -> str:
    return {"HOST": HOST, "MODBUS": MODBUS % modbus_port}.get(code, code)


def run(body: str) -> list[tuple[str, int]]:
    script = PRELUDE + body + "\nimport json; print(json.dumps(out))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO)
    return [tuple(row) for row in json.loads(result.stdout.strip().splitlines()[-1])]  # type: ignore[misc]


def cumulative(port: int) -> list[tuple[str, int]]:
    body = "".join(f"{statement(code, port)}\nout.append(({label!r}, rss()))\n" for label, code in STEPS)
    return run(body)


def alone(label: str, code: str, port: int) -> int:
    rows = run(f"{statement(code, port)}\nout.append(({label!r}, rss()))\n")
    return rows[-1][1] - rows[0][1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    modbus = ModbusTestServer({0: 4200, 1: 235, 2: 0x41CC, 3: 0x0000}).start()
    try:
        runs = [cumulative(modbus.port) for _ in range(args.repeat)]
        labels = [label for label, _ in runs[0]]
        totals = [statistics.median(r[i][1] for r in runs) for i in range(len(labels))]
        isolated = {
            label: statistics.median(alone(label, code, modbus.port) for _ in range(args.repeat))
            for label, code in STEPS
            if not code.isupper()
        }
    finally:
        modbus.stop()
    print(f"RSS per import, Python {sys.version.split()[0]}, median of {args.repeat} fresh interpreters")
    print(f"  {'step':<42} {'RSS after':>10} {'adds':>8} {'alone':>8}")
    previous = None
    for label, total in zip(labels, totals, strict=True):
        adds = "" if previous is None else f"{(total - previous) / 1024:+.2f}"
        one = f"{isolated[label] / 1024:+.2f}" if label in isolated else ""
        print(f"  {label:<42} {total / 1024:8.2f} MB {adds:>8} {one:>8}")
        previous = total
    return 0


if __name__ == "__main__":
    sys.exit(main())
