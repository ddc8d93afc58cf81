"""A native InfluxDB 1.x server (Debian's influxdb) in its own directory, on free loopback ports.

With `auth` set, the server refuses every unauthenticated /query and /write (401) and `create_users` makes the
three accounts the stack hands out: an admin, a writer (the collector: WRITE on one database) and a reader
(the registry's evidence reads and the dashboards: READ on it).
"""

from __future__ import annotations

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.http import http_ok
from devstack.process import ConfiguredServer, ManagedProcess, free_port, require_binary


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    @property
    def token(self) -> str:
        """The influxdb-client token form InfluxDB 1.8+ accepts for a 1.x user (the v2 proxy translates it)."""
        return f"{self.username}:{self.password}"

    def basic_header(self) -> str:
        return "Basic " + base64.b64encode(self.token.encode()).decode()


@dataclass(frozen=True)
class InfluxAuth:
    admin: Credentials
    writer: Credentials
    reader: Credentials
    rollup: Credentials | None = None  # the evidence rollup job: READ and WRITE on the database


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class InfluxDBServer(ConfiguredServer):
    """InfluxDB 1.x speaking InfluxQL at /query and line protocol at /write (no /api/v2/write: see
    i5g.influx.v2proxy for that)."""

    start_timeout = 60.0

    def __init__(self, state_dir: Path, port: int | None = None, auth: InfluxAuth | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.auth = auth
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
  auth-enabled = {"true" if self.auth else "false"}
  log-enabled = false
  max-body-size = 50000000

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = false
"""
        )

    def query(self, q: str, db: str | None = None, epoch: str = "ms") -> dict[str, Any]:
        return query(self.url, q, db, epoch, self.auth.admin if self.auth else None)

    def create_database(self, name: str) -> None:
        self.query(f'CREATE DATABASE "{name}"')

    def create_users(self, database: str) -> None:
        """Admin first (InfluxDB lets the very first admin be created without credentials), then the writer,
        the reader and the rollup job's account with rights on `database` only. Idempotent: existing users get
        the current password."""
        assert self.auth is not None
        admin = self.auth.admin
        try:
            query(
                self.url, f'CREATE USER "{admin.username}" WITH PASSWORD {_quoted(admin.password)} WITH ALL PRIVILEGES'
            )
        except urllib.error.HTTPError as exc:
            if exc.code != 401:
                raise
            # Users exist already (a kept state): from here on the admin logs in with the password it has.
        self.create_database(database)
        accounts = [(self.auth.writer, "WRITE"), (self.auth.reader, "READ")]
        if self.auth.rollup is not None:
            accounts.append((self.auth.rollup, "ALL"))
        for user, right in accounts:
            result = self.query(f'CREATE USER "{user.username}" WITH PASSWORD {_quoted(user.password)}')["results"][0]
            if "error" in result:
                self.query(f'SET PASSWORD FOR "{user.username}" = {_quoted(user.password)}')
            self.query(f'GRANT {right} ON "{database}" TO "{user.username}"')


def query(
    url: str, q: str, db: str | None = None, epoch: str = "ms", credentials: Credentials | None = None
) -> dict[str, Any]:
    """One InfluxQL statement against a 1.x /query endpoint (POST, so DDL works too).
    An InfluxQL error comes back in the answer; a refused login raises urllib.error.HTTPError (401)."""
    params = {"q": q, "epoch": epoch}
    if db:
        params["db"] = db
    data = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(f"{url}/query", data=data)
    if credentials is not None:
        request.add_header("Authorization", credentials.basic_header())
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def count_field(
    url: str,
    db: str,
    measurement: str,
    field: str,
    since_ms: int | None = None,
    credentials: Credentials | None = None,
) -> int:
    """How many points of `measurement` carry `field` (0 when the database or measurement does not exist)."""
    where = f" WHERE time >= {since_ms}ms" if since_ms is not None else ""
    try:
        result = query(url, f'SELECT count("{field}") FROM "{measurement}"{where}', db, credentials=credentials)[
            "results"
        ][0]
    except (OSError, ValueError, KeyError, IndexError):
        return 0
    series = result.get("series") or []
    return int(series[0]["values"][0][1]) if series else 0


def proxy_process(upstream_url: str, port: int, log_path: Path, env: dict[str, str] | None = None) -> ManagedProcess:
    """The proxy as its own process (`python -m i5g.influx.v2proxy`), so it shares no GIL with its caller.
    Ready when its /health passes, i.e. it answers and reaches InfluxDB, not merely when its port is open."""
    return ManagedProcess(
        "influx-v2-proxy",
        [sys.executable, "-m", "i5g.influx.v2proxy", upstream_url, str(port)],
        log_path,
        ready=lambda: http_ok(f"http://127.0.0.1:{port}/health"),
        env=env,
        ports=[port],
    )
