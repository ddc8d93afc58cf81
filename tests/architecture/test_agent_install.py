"""The agent's install stands alone: the release's sdist (what the wheel is built from) installed with only the
`[agent]` extra in a clean virtualenv runs a real agent against a real broker, and neither the `i5g` front end
nor the agent process imports a module of the registry, collector, dashboards or the demo stack; the demo
stack is not even installed (MANIFEST.in prunes it). Python's own import log (PYTHONPROFILEIMPORTTIME) is the
witness, so an import hidden inside a function counts too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from devstack.mosquitto import MosquittoServer
from tests.agent.conftest import Subscriber, write_config

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = ("registry", "collector", "dashboards", "devstack")


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{argv}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


def _imported(importtime_log: str) -> set[str]:
    """Module names from `import time: self [us] | cumulative | imported package` lines."""
    names = set()
    for line in importtime_log.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_agent_only_install_imports_no_other_part(tmp_path: Path, mosquitto: MosquittoServer) -> None:
    _run([sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path / "dist"), str(REPO)])
    (sdist,) = (tmp_path / "dist").glob("industrial5g-*.tar.gz")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", f"{sdist}[agent]"])
    python = str(venv / "bin" / "python")
    absent = subprocess.run([python, "-c", "import devstack"], capture_output=True, text=True, cwd=tmp_path)
    assert "No module named 'devstack'" in absent.stderr, "the release carries the demo stack"

    config = write_config(tmp_path / "agent.toml", "gw-alone-01", mosquitto.port, tmp_path / "state")
    subscriber = Subscriber(mosquitto.port, "alone-sub", None)
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    log = tmp_path / "agent.stderr"
    with log.open("w") as stderr:
        agent = subprocess.Popen(
            [str(venv / "bin" / "i5g"), "agent", "run", "--config", str(config)],
            stdout=subprocess.DEVNULL, stderr=stderr, cwd=tmp_path, env=env,
        )  # fmt: skip
        try:
            subscriber.wait_for(lambda: len(subscriber.seqs("gw-alone-01")) >= 3, what="3 samples")
        finally:
            agent.terminate()
            agent.wait(timeout=30)
            subscriber.close()
    imported = _imported(log.read_text())
    assert {"edge_agent.agent", "paho.mqtt.client", "i5g.contract"} <= imported, "the import log is not being read"
    others = sorted(name for name in imported if name.split(".")[0] in FORBIDDEN)
    assert others == [], f"the agent-only install imported {others}"
    assert not any(name.split(".")[0] in {"sqlalchemy", "fastapi", "influxdb_client"} for name in imported)
