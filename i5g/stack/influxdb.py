"""A native InfluxDB 1.x server (Debian's influxdb) in its own directory, on free loopback ports."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from i5g.stack.http import http_ok
from i5g.stack.process import ConfiguredServer, ManagedProcess, free_port, require_binary


class InfluxDBServer(ConfiguredServer):
    """InfluxDB 1.x speaking InfluxQL at /query and line protocol at /write (no /api/v2/write: see
    i5g.stack.v2proxy for that)."""

    start_timeout = 60.0

    def __init__(self, state_dir: Path, port: int | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.port = port or free_port()
        self.rpc_port = free_port()
        self.binary = require_binary("influxd", "influxdb")
        self.config_path = self.state_dir / "influxdb.conf"
        self.process = ManagedProcess(
            "influxd",
            [self.binary, "-config", str(self.config_path)],
            self.state_dir / "influxd.log",
            ready=lambda: http_ok(f"{self.url}/ping"),
            env={"INFLUXDB_DATA_QUERY_LOG_ENABLED": "false", "PATH": "/usr/bin:/bin"},
            ports=[self.port, self.rpc_port],
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> None:
        root = self.state_dir
        (root / "meta").mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            f"""reporting-disabled = true
bind-address = "127.0.0.1:{self.rpc_port}"

[meta]
  dir = "{root}/meta"

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"

[http]
  enabled = true
  bind-address = "127.0.0.1:{self.port}"
  auth-enabled = false
  log-enabled = false
  max-body-size = 50000000

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = false
"""
        )

    def query(self, q: str, db: str | None = None, epoch: str = "ms") -> dict[str, Any]:
        return query(self.url, q, db, epoch)

    def create_database(self, name: str) -> None:
        self.query(f'CREATE DATABASE "{name}"')


def query(url: str, q: str, db: str | None = None, epoch: str = "ms") -> dict[str, Any]:
    """One InfluxQL statement against a 1.x /query endpoint (POST, so DDL works too)."""
    params = {"q": q, "epoch": epoch}
    if db:
        params["db"] = db
    data = urllib.parse.urlencode(params).encode()
    with urllib.request.urlopen(f"{url}/query", data=data, timeout=30) as response:
        return json.loads(response.read())


def count_field(url: str, db: str, measurement: str, field: str, since_ms: int | None = None) -> int:
    """How many points of `measurement` carry `field` (0 when the database or measurement does not exist)."""
    where = f" WHERE time >= {since_ms}ms" if since_ms is not None else ""
    try:
        result = query(url, f'SELECT count("{field}") FROM "{measurement}"{where}', db)["results"][0]
    except (OSError, ValueError, KeyError, IndexError):
        return 0
    series = result.get("series") or []
    return int(series[0]["values"][0][1]) if series else 0
