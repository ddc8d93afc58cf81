"""`i5g stack status` and `i5g stack down`: work from any terminal through the pid files of the state folder."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any, TextIO

from devstack.http import HttpError, request_json
from devstack.influxdb import count_field
from devstack.stack import PARTS, SUPERVISOR, influx_auth
from devstack.state import StackState
from i5g.contract import DATABASE_DEFAULT, FIELD_SEQ, MEASUREMENT_KPI

URL_OF_PART = {
    "mosquitto": "mqtt",
    "influxdb": "influxdb",
    "influx-v2-proxy": "influxdb_v2",
    "registry": "registry",
    "collector": "collector_metrics",
}


def running_parts(state: StackState) -> dict[str, int]:
    """part -> pid of every stack process still running (supervisor included)."""
    pids = {part: state.live_pid(part) for part in (SUPERVISOR, *PARTS)}
    return {part: pid for part, pid in pids.items() if pid is not None}


def clear_stale(state: StackState) -> None:
    running = running_parts(state)
    for part in state.pid_parts():
        if part not in running:
            state.clear_pid(part)


def read_info(state: StackState) -> dict[str, Any]:
    try:
        return json.loads(state.info_path.read_text())
    except (OSError, ValueError):
        return {}


def _health(url: str) -> dict[str, Any]:
    """A part's /healthz answer (503 carries the same JSON); {"status": <why not>} when it does not answer."""
    try:
        return request_json("GET", url, timeout=3.0) or {}
    except HttpError as exc:
        try:
            return json.loads(exc.body)
        except ValueError:
            return {"status": f"HTTP {exc.status}"}
    except (OSError, ValueError) as exc:
        return {"status": f"no answer ({exc})"}


def health_problems(running: dict[str, int], urls: dict[str, str]) -> list[str]:
    """Why running parts are not doing their job: a live process proves little (a collector locked out of the
    broker still runs). Checks the collector's own health (broker connection, InfluxDB writes, directory)
    and the registry's."""
    problems: list[str] = []
    if "collector" in running and urls.get("collector_metrics"):
        health = _health(urls["collector_metrics"].rsplit("/", 1)[0] + "/healthz")
        if health.get("status") != "ok":
            failed = [key for key, value in health.items() if value is False]
            errors = [f"{key}: {health[key]}" for key in ("mqtt_error", "influx_error") if health.get(key)]
            problems.append(f"collector {health.get('status')}: " + ", ".join(failed + errors))
    if "registry" in running and urls.get("registry"):
        health = _health(urls["registry"] + "/healthz")
        if health.get("status") != "ok":
            problems.append(f"registry {health.get('status')}")
    return problems


def status(state: StackState, out: TextIO) -> int:
    """Prints each part's state and health; 0 when every part runs and is healthy, 1 otherwise."""
    running = running_parts(state)
    info = read_info(state)
    urls = info.get("urls", {})
    supervisor = running.get(SUPERVISOR)
    # A part kept stopped on purpose (`i5g stack fleet stop`) does not make the stack "partly running".
    held = {part for part in PARTS if state.held_path(part).exists()}
    wanted = [part for part in PARTS if part not in held]
    headline = "running" if all(part in running for part in wanted) else "stopped" if not running else "partly running"
    out.write(f"stack in {state.root}: {headline}")
    out.write(f" (supervisor pid {supervisor})\n" if supervisor else "\n")
    for part in PARTS:
        pid = running.get(part)
        where = urls.get(URL_OF_PART.get(part, ""), "")
        what = "running" if pid else "held" if part in held else "stopped"
        out.write(f"  {part:16} {what:8} {f'pid {pid}' if pid else '':10} {where}\n")
    if "influxdb" in running and urls.get("influxdb"):
        reader = influx_auth(state.secrets()).reader
        samples = count_field(urls["influxdb"], DATABASE_DEFAULT, MEASUREMENT_KPI, FIELD_SEQ, credentials=reader)
        out.write(f"  samples stored in InfluxDB ({DATABASE_DEFAULT}.{MEASUREMENT_KPI}): {samples}\n")
    if info.get("gateways") and "fleet" in running:
        out.write(f"  simulated gateways: {len(info['gateways'])}\n")
    problems = health_problems(running, urls)
    for problem in problems:
        out.write(f"  UNHEALTHY {problem}\n")
    return 0 if headline == "running" and not problems else 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0); /proc tells it apart.
    try:
        return "\nState:\tZ" not in open(f"/proc/{pid}/status").read()
    except OSError:
        return False


def terminate(pid: int, timeout: float) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def down(state: StackState, out: TextIO, timeout: float = 60.0) -> int:
    running = running_parts(state)
    if not running:
        clear_stale(state)
        out.write(f"stack in {state.root}: nothing running\n")
        return 0
    supervisor = running.pop(SUPERVISOR, None)
    if supervisor is not None:
        # The supervisor stops its parts in order (fleet first, broker last) and removes their pid files.
        out.write(f"stopping the stack (supervisor pid {supervisor}) ...\n")
        terminate(supervisor, timeout)
        running = {part: pid for part, pid in running_parts(state).items() if part != SUPERVISOR}
    for part in reversed(PARTS):
        pid = running.get(part)
        if pid is not None:  # detached stack, or a supervisor that died without cleaning up
            out.write(f"  stopping {part} (pid {pid})\n")
            terminate(pid, 15.0)
    for part in (SUPERVISOR, *PARTS):
        state.clear_pid(part)
        state.held_path(part).unlink(missing_ok=True)
    out.write("stopped; data kept in " + str(state.root) + " (delete it to start from scratch)\n")
    return 0
