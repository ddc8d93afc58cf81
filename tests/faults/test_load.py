"""The short variant of bench/load.py in CI: 100 simulated gateways at 1 sample/s for 30 s through real Mosquitto,
InfluxDB, collector and simulator. Loss must be 0; timing figures are printed, never asserted (house rule:
speed is measured by bench/, recorded in docs/benchmarks.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_short_load_run_stores_every_sample(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    command = [sys.executable, "bench/load.py", "--gateways", "100", "--rate", "1", "--minutes", "0.5",
               "--json-out", str(out)]  # fmt: skip
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False)
    print(result.stdout)
    assert out.exists(), result.stdout + result.stderr
    figures = json.loads(out.read_text())
    assert figures["generated"] >= 100 * 25, figures
    assert figures["loss"] == 0, figures
    assert figures["non_identical_duplicates"] == 0, figures
    assert figures["spooled_at_end"] == 0, figures
    assert figures["stored"] == figures["generated"] == figures["baseline_latency_ms"]["samples"], figures
    assert result.returncode == 0, result.stdout + result.stderr
