"""`i5g influx v2proxy` (the supported command behind deploy/systemd/i5g-influx-v2proxy.service): settings from
I5G_INFLUX_PROXY_*, a write through it lands in InfluxDB 1.x, bad settings are one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from devstack.influxdb import InfluxDBServer
from devstack.process import free_port

I5G = str(Path(sys.executable).parent / "i5g")


def test_proxy_command_writes_through_to_influxdb(influxdb_session: InfluxDBServer) -> None:
    influxdb_session.create_database("proxy_cli")
    port = free_port()
    env = {**os.environ, "I5G_INFLUX_PROXY_UPSTREAM_URL": influxdb_session.url, "I5G_INFLUX_PROXY_PORT": str(port)}
    proxy = subprocess.Popen([I5G, "influx", "v2proxy"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()["status"] == "pass":
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "proxy did not become healthy"
            time.sleep(0.1)
        written = httpx.post(
            f"http://127.0.0.1:{port}/api/v2/write?bucket=proxy_cli&precision=ms", content=b"m v=1i 1700000000000"
        )
        assert written.status_code == 204, written.text
        rows = influxdb_session.query('SELECT "v" FROM "m"', db="proxy_cli")["results"][0]["series"][0]["values"]
        assert rows == [[1700000000000, 1]]
    finally:
        proxy.send_signal(signal.SIGTERM)
        assert proxy.wait(10) == 0  # SIGTERM (systemd stop) is a clean exit
        influxdb_session.query('DROP DATABASE "proxy_cli"')


def test_bad_upstream_is_one_clear_line() -> None:
    env = {**os.environ, "I5G_INFLUX_PROXY_UPSTREAM_URL": "influx:8086"}
    result = subprocess.run([I5G, "influx", "v2proxy"], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "upstream_url: Value error, must be an http:// or https:// URL" in result.stderr
    assert "Traceback" not in result.stderr
