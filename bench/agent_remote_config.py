"""Remote configuration on a running agent: time from the retained publish to "applied", and the lean runtime's
RSS before and after (ratio after/before; the model check runs in a child process, so it should stay ~1.00).

Starts its own Mosquitto (anonymous, free port, temp dir) and `i5g agent run` (lean runtime, host + probe at
1 Hz), waits --settle seconds, reads VmRSS, publishes --versions configurations one after another (each waits
for the agent's "applied" log line), waits --settle seconds again and reads VmRSS.

    .venv/bin/python bench/agent_remote_config.py [--versions 5] [--settle 8]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from devstack.mosquitto import MosquittoServer  # noqa: E402
from i5g import contract  # noqa: E402

GATEWAY = "gw-bench"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"process {pid} has no VmRSS (exited?)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--settle", type=float, default=8.0)
    args = parser.parse_args()
    i5g = str(Path(sys.executable).parent / "i5g")
    with tempfile.TemporaryDirectory(prefix="i5g-bench-rconf-") as tmp:
        root = Path(tmp)
        broker = MosquittoServer(root / "mosquitto").start()
        config = root / "agent.toml"
        config.write_text(
            f'[agent]\ngateway_id = "{GATEWAY}"\nstate_dir = "{root / "state"}"\ninterval_s = 1.0\n'
            f"[agent.mqtt]\nport = {broker.port}\n"
            "[agent.sources.host]\nenabled = true\n[agent.sources.probe]\nenabled = true\n"
        )
        log_path = root / "agent.log"
        with open(log_path, "wb") as log:
            agent = subprocess.Popen([i5g, "agent", "run", "--config", str(config)], stderr=log)
        try:
            time.sleep(args.settle)
            before = rss_mb(agent.pid)
            took = []
            for version in range(1, args.versions + 1):
                document = {"interval_s": 0.5 + version / 10, "sources": {"probe": {"enabled": version % 2 == 0}}}
                payload = contract.encode_config(GATEWAY, version, document).decode()
                topic = contract.config_topic(GATEWAY)
                began = time.monotonic()
                subprocess.run(["mosquitto_pub", "-p", str(broker.port), "-t", topic, "-r", "-q", "1", "-m", payload],
                               check=True)  # fmt: skip
                while f"version {version} applied" not in log_path.read_text():
                    if time.monotonic() - began > 60:
                        raise SystemExit(f"version {version} not applied within 60 s:\n{log_path.read_text()}")
                    time.sleep(0.02)
                took.append(time.monotonic() - began)
            time.sleep(args.settle)
            after = rss_mb(agent.pid)
        finally:
            agent.terminate()
            agent.wait(10)
            broker.stop()
    print(f"remote configuration: {args.versions} versions applied by the lean runtime")
    print(f"  publish -> applied: median {statistics.median(took):.2f} s, max {max(took):.2f} s")
    print(f"  runtime RSS before {before:.1f} MB, after {after:.1f} MB, ratio after/before {after / before:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
