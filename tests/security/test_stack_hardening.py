"""Issue 16 items 14, 15 and 16 on a real `i5g stack up --detach` (Mosquitto with dynamic security, InfluxDB
1.6 with auth, the v2 proxy, registry, collector and one simulated gateway), started under umask 022.

- files: every file of the state folder is 0600 and every folder 0700 (registry.db, dynamic-security.json,
  secrets, InfluxDB's data, the spools), although the caller's umask would have made them world-readable;
- InfluxDB: an unauthenticated write answers 401 directly and through the v2 proxy and stores nothing; the
  reader may read but not write; the collector's writer account writes through the proxy (the stack's data);
- status: with the collector locked out of the broker (its dynsec account disabled), `i5g stack status`
  says so and exits 1, although every process still runs.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.influxdb import Credentials, count_field
from devstack.stack import influx_auth
from devstack.state import StackState
from i5g.contract import DATABASE_DEFAULT, MEASUREMENT_KPI, TAG_GATEWAY
from registry.broker.dynsec import DynsecClient
from tests.security.conftest import wait_for
from tests.stack.test_stack_up import READY_LINE, i5g, run, stack_env  # noqa: F401  (fixture)

FORGED = f"{MEASUREMENT_KPI},{TAG_GATEWAY}=someone-else rtt_ms=1 1700000000000000000".encode()


@pytest.fixture
def stack(stack_env: dict[str, str]) -> Iterator[tuple[dict[str, str], StackState]]:  # noqa: F811
    env = {**stack_env, "I5G_STACK_MAX_GATEWAYS": "1", "I5G_STACK_MQTT_TLS_PORT": ""}
    env.pop("I5G_STACK_MQTT_TLS_PORT")
    up = subprocess.run(
        i5g("stack", "up", "--detach"),
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=lambda: os.umask(0o022),  # what a user's shell typically has
    )
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert READY_LINE in up.stdout
        yield env, StackState(Path(env["I5G_STACK_STATE_DIR"]))
    finally:
        run(env, "stack", "down")


def post(url: str, body: bytes, authorization: str | None = None) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    if authorization:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def loose_modes(root: Path) -> list[str]:
    loose = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode) or stat.S_ISSOCK(mode):
            continue
        expected = 0o700 if stat.S_ISDIR(mode) else 0o600
        if stat.S_IMODE(mode) & ~expected & 0o777 or stat.S_IMODE(mode) & 0o077:
            loose.append(f"{oct(stat.S_IMODE(mode))} {path.relative_to(root)}")
    return loose


def test_stack_files_influx_auth_and_health(stack: tuple[dict[str, str], StackState]) -> None:
    env, state = stack
    root = state.root
    secrets = state.secrets()
    auth = influx_auth(secrets)

    # Files (item 16): the state that matters exists, and nothing in the folder is readable by others.
    for name in ("registry.db", "mosquitto/dynamic-security.json", "secrets.json", "fleet-credentials.json"):
        assert (root / name).is_file(), name
    assert (root / "influxdb" / "wal").is_dir()
    assert loose_modes(root) == []

    # InfluxDB (item 14): nothing written without credentials, directly or through the proxy.
    influx = f"http://127.0.0.1:{env['I5G_STACK_INFLUX_PORT']}"
    proxy = f"http://127.0.0.1:{env['I5G_STACK_INFLUX_V2_PORT']}"
    direct_write = f"{influx}/write?db={DATABASE_DEFAULT}&precision=n"
    proxy_write = f"{proxy}/api/v2/write?bucket={DATABASE_DEFAULT}&precision=ns"
    assert post(direct_write, FORGED) == 401
    assert post(proxy_write, FORGED) == 401
    assert post(proxy_write, FORGED, "Token nobody:wrong") == 401
    assert post(f"{influx}/query", b"q=SHOW+DATABASES") == 401
    assert post(proxy_write, FORGED, f"Token {auth.reader.token}") == 403  # the reader may not write
    assert count_field(influx, DATABASE_DEFAULT, "kpi", "rtt_ms", credentials=auth.reader) > 0  # but read
    forged = f"SELECT count(rtt_ms) FROM {MEASUREMENT_KPI} WHERE {TAG_GATEWAY} = 'someone-else'"
    assert not _rows(influx, forged, auth.admin), "an unauthenticated write was stored"
    # The evidence rollup job's account reads and writes the database, but runs no admin statement.
    assert auth.rollup is not None and count_field(influx, DATABASE_DEFAULT, "kpi", "rtt_ms", credentials=auth.rollup)
    assert post(f"{influx}/query", b"q=CREATE+DATABASE+other", auth.rollup.basic_header()) == 403
    # The collector's account writes through the proxy (this is how the stack's data got in).
    assert post(proxy_write, b"probe value=1", f"Token {auth.writer.token}") == 204

    # Health (item 15): healthy now; the collector locked out of the broker makes status fail.
    healthy = run(env, "stack", "status")
    assert healthy.returncode == 0, healthy.stdout
    with DynsecClient(
        "127.0.0.1",
        int(env["I5G_STACK_MQTT_PORT"]),
        secrets["broker_admin_username"],
        secrets["broker_admin_password"],
    ) as dynsec:
        dynsec.disable_client(secrets["collector_mqtt_username"])
    metrics = f"http://127.0.0.1:{env['I5G_STACK_COLLECTOR_METRICS_PORT']}/healthz"
    assert wait_for(lambda: not _collector_connected(metrics), timeout=15)
    locked_out = run(env, "stack", "status")
    assert locked_out.returncode == 1, locked_out.stdout
    assert "UNHEALTHY collector" in locked_out.stdout and "mqtt_connected" in locked_out.stdout
    assert "collector        running" in locked_out.stdout  # the process itself still runs


def _rows(url: str, q: str, credentials: Credentials) -> list:
    from devstack.influxdb import query

    result = query(url, q, DATABASE_DEFAULT, credentials=credentials)["results"][0]
    return result.get("series", [])


def _collector_connected(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return bool(json.loads(response.read())["mqtt_connected"])
    except urllib.error.HTTPError as exc:
        return bool(json.loads(exc.read())["mqtt_connected"])
