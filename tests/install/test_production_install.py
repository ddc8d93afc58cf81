"""The documented production install (docs/operations.md "Production install"), run from the built wheel.

Builds the release with scripts/build-release, then follows the same scripts the docs quote (deploy/install/*.sh,
deploy/backup/*) into throw-away directories: a clean non-editable server venv (registry + collector) and a
clean agent-only venv, PostgreSQL (a throw-away server), Mosquitto with dynamic security and TLS, InfluxDB 1.x
with authentication (admin, the collector's write-only and evidence's read-only user) and the
`i5g influx v2proxy` unit, nginx in front of the registry. Services start with the ExecStart lines of
deploy/systemd/*.service and their environment files, with /opt/i5g, /etc/i5g, /var/lib and %d/%H mapped into
the temp dir, as systemd would run them. The install runs once (module fixture); the tests then use it in
order: a gateway registered through the API passes `i5g agent check` and its samples reach InfluxDB tagged with
its use case; disabling and re-enabling the gateway loses nothing; a backup restored into the live database
round-trips (and `i5g broker reconcile` follows); nginx serves the registry over HTTPS; evidence reads the
samples as the read-only user and the rollup unit's command rolls them with its own account.

What differs from a real host, and why: no systemd (units are read, not installed), no root-owned paths, and
the top-level files of Mosquitto and nginx are the test's stand-ins for Debian's /etc/mosquitto/mosquitto.conf
(persistence, include_dir of conf.d) and /etc/nginx/nginx.conf (include of sites-enabled), running as the
current user with their files in the temp dir. InfluxDB runs with a copy of Debian's own influxdb.conf after the
documented edit (auth-enabled = true); its data directories and ports move into the temp dir through influxd's
INFLUXDB_* environment overrides.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import tarfile
import time
import urllib.error
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from devstack.influxdb import Credentials, query
from devstack.postgres import SERVICE_USER, PostgresServer, _current_user
from devstack.process import free_port, port_is_open, require_binary
from devstack.tls import make_pki
from i5g.contract import FIELD_SEQ, MEASUREMENT_DEAD_LETTER, MEASUREMENT_KPI, TAG_GATEWAY, TAG_USE_CASE
from tests.faults.harness import read_spool

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "deploy" / "install"
BACKUP = REPO / "deploy" / "backup"
NGINX_EXAMPLE = REPO / "deploy" / "nginx" / "i5g-registry.conf"
UNITS = REPO / "deploy" / "systemd"
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/usr/sbin:/bin", "LANG": "C.UTF-8"}
PUBLIC_NAME = "registry.test"  # the registry's name behind nginx (I5G_PUBLIC_NAME)
# docs/operations.md step 7, before deploy/install/influxdb.sh (test_the_docs_show_every_install_script checks it).
INFLUX_AUTH_EDIT = "sed -i 's/^  # auth-enabled = false$/  auth-enabled = true/' /etc/influxdb/influxdb.conf"


def sh(script: str, *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 300) -> str:
    return run(INSTALL / script, *args, env=env, stdin=stdin, timeout=timeout)


def run(script: Path, *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 300) -> str:
    result = subprocess.run(
        [str(script), *args],
        env={**BASE_ENV, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{script.name} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60, logs: tuple[Path, ...] = ()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tails = "\n".join(f"--- {log}:\n{log.read_text()[-3000:]}" for log in logs if log.exists())
    pytest.fail(f"timed out waiting for {what}\n{tails}")


class Host:
    """One machine's file system roots, and the services started on it (stopped in reverse order)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = root / "opt" / "i5g"
        self.etc = root / "etc" / "i5g"
        self.var = root / "var" / "lib"
        self.creds = root / "run" / "credentials"
        self.logs = root / "log"
        for path in (self.prefix, self.etc, self.var, self.creds, self.logs):
            path.mkdir(parents=True, exist_ok=True)
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    @property
    def env(self) -> dict[str, str]:
        return {"I5G_PREFIX": str(self.prefix), "I5G_ETC": str(self.etc)}

    def map(self, value: str, unit: str) -> str:
        """A unit's path or specifier as it is on this host."""
        for old, new in (
            ("/opt/i5g", str(self.prefix)),
            ("/etc/i5g", str(self.etc)),
            ("/var/lib/", f"{self.var}/"),
            ("%d", str(self.creds / unit)),
            ("%H", socket.gethostname()),
        ):
            value = value.replace(old, new)
        return value

    def unit(self, name: str) -> tuple[list[list[str]], dict[str, str], Path | None]:
        """(ExecStartPre... + ExecStart argvs, environment, working directory) of deploy/systemd/<name>, with
        Environment= lines first and EnvironmentFile= over them (systemd's precedence)."""
        commands: list[list[str]] = []
        env: dict[str, str] = {}
        files: dict[str, str] = {}
        cwd: Path | None = None
        section = ""
        for line in (UNITS / name).read_text().splitlines():
            if line.startswith("["):
                section = line
                continue
            if section != "[Service]" or "=" not in line or line.startswith("#"):
                continue
            key, value = line.split("=", 1)
            value = self.map(value, name)
            if key in ("ExecStartPre", "ExecStart"):
                commands.append(shlex.split(value))
            elif key == "Environment":
                env.update(item.split("=", 1) for item in shlex.split(value))
            elif key == "EnvironmentFile":
                path = Path(value.lstrip("-"))
                if path.exists():
                    files.update(_env_file(path))
            elif key == "WorkingDirectory":
                cwd = Path(value)
            elif key == "StateDirectory":
                (self.var / value).mkdir(parents=True, exist_ok=True)
            elif key == "LoadCredential":
                credential, source = value.split(":", 1)
                (self.creds / name).mkdir(parents=True, exist_ok=True, mode=0o700)
                shutil.copy(source, self.creds / name / credential)
        return commands, {**env, **files}, cwd

    def start_unit(self, name: str) -> Path:
        commands, env, cwd = self.unit(name)
        log = self.logs / f"{name}.log"
        for argv in commands[:-1]:
            result = subprocess.run(argv, env={**BASE_ENV, **env}, cwd=cwd, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, f"{name} {argv}: {result.stdout}{result.stderr}"
        self.start(name, commands[-1], log, env={**BASE_ENV, **env}, cwd=cwd)
        return log

    def start(self, name: str, argv: list[str], log: Path, env: dict[str, str], cwd: Path | None = None) -> None:
        with log.open("ab") as out:
            process = subprocess.Popen(
                argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append((name, process))

    def stop(self) -> None:
        """SIGTERM to each process group (systemd's KillMode=control-group), newest first; SIGKILL if it lingers."""
        for _, process in reversed(self.processes):
            _terminate(process)
        self.processes.clear()

    def stop_unit(self, name: str) -> None:
        """`systemctl stop <name>`."""
        for entry in [entry for entry in self.processes if entry[0] == name]:
            _terminate(entry[1])
            self.processes.remove(entry)

    def i5g(self, *args: str) -> str:
        """`set -a; . /etc/i5g/registry.env; set +a; /opt/i5g/venv/bin/i5g ARGS` (docs/operations.md)."""
        result = subprocess.run(
            [str(self.prefix / "venv" / "bin" / "i5g"), *args],
            env={**BASE_ENV, **_env_file(self.etc / "registry.env")},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"i5g {' '.join(args)}: {result.stdout}{result.stderr}"
        return result.stdout


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (a value in single quotes loses the quotes)."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {key: value[1:-1] if len(value) > 1 and value[0] == value[-1] == "'" else value for key, value in pairs}


@dataclass
class Installed:
    """The installed system the tests below share: one install, run once for the module."""

    server: Host
    gateway: Host
    postgres: PostgresServer
    influx_url: str
    admin: Credentials  # InfluxDB's admin, as influxdb.sh created it
    ports: dict[str, int]
    registry: str
    headers: dict[str, str]  # a staff token, made the documented way
    gateway_id: str
    use_case: dict
    agent_log: Path
    collector_log: Path

    def influx_rows(self, q: str) -> list[list]:
        result = query(self.influx_url, q, "i5g", credentials=self.admin)["results"][0]
        assert "error" not in result, result
        return (result.get("series") or [{"values": []}])[0]["values"]

    def stored_seqs(self) -> list[int]:
        return [
            int(row[1])
            for row in self.influx_rows(
                f'SELECT "{FIELD_SEQ}" FROM "{MEASUREMENT_KPI}" WHERE "{TAG_GATEWAY}" = \'{self.gateway_id}\''
            )
        ]

    def online(self) -> bool:
        return httpx.get(f"{self.registry}/api/v1/gateways/{self.gateway_id}", headers=self.headers).json()["online"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    tmp_path = tmp_path_factory.mktemp("install")
    server, gateway = Host(tmp_path / "server"), Host(tmp_path / "gateway")
    postgres = PostgresServer().start()
    try:
        yield _install(server, gateway, postgres, tmp_path)
    finally:
        gateway.stop()
        server.stop()
        postgres.stop()


def _install(server: Host, gateway: Host, postgres: PostgresServer, tmp_path: Path) -> Installed:
    started = time.monotonic()
    phases: list[str] = []

    def phase(name: str) -> None:  # wall-clock marks, printed at the end (docs/benchmarks.md quotes them)
        phases.append(f"{name} {time.monotonic() - started:.0f}s")

    # The release, as `make dist` builds it (in the background while the servers are prepared).
    dist = tmp_path / "dist"
    build_log = tmp_path / "build.log"
    server.start("build", [str(REPO / "scripts" / "build-release"), str(dist)], build_log, env=dict(os.environ))
    build = server.processes[-1][1]

    ports = {name: free_port() for name in ("mqtt", "mqtts", "influx", "proxy", "registry", "metrics")}
    env = {
        **server.env,
        "I5G_MQTT_LOCAL_PORT": str(ports["mqtt"]),
        "I5G_MQTT_TLS_PORT": str(ports["mqtts"]),
        "I5G_MQTT_TLS_BIND": "127.0.0.1",
        "I5G_INFLUX_PORT": str(ports["influx"]),
        "I5G_INFLUX_PROXY_PORT": str(ports["proxy"]),
        "I5G_REGISTRY_PORT": str(ports["registry"]),
        "I5G_COLLECTOR_METRICS_PORT": str(ports["metrics"]),
        "I5G_POSTGRES_PORT": str(postgres.port),
        "I5G_MOSQUITTO_CONF_DIR": str(server.root / "etc" / "mosquitto" / "conf.d"),
        "I5G_MOSQUITTO_DATA_DIR": str(server.var / "mosquitto"),
        "I5G_MOSQUITTO_CERT_DIR": str(server.root / "etc" / "mosquitto" / "certs"),
        "I5G_INFLUX_RETENTION": "30d",
        "I5G_PUBLIC_NAME": PUBLIC_NAME,  # behind nginx (test_nginx_example_in_front_of_the_registry)
    }
    sh("server-config.sh", env=env)
    assert {oct(p.stat().st_mode & 0o777) for p in server.etc.iterdir()} == {"0o600"}
    sh("tls.sh", str(server.etc / "tls"), "localhost", env=env)
    pg_user = SERVICE_USER if postgres.as_root else _current_user()
    sh("postgres.sh", env={**env, "PGHOST": "127.0.0.1", "PGPORT": str(postgres.port), "PGUSER": pg_user})

    # Mosquitto: the script's conf.d files under a stand-in for Debian's top-level mosquitto.conf.
    sh("mosquitto.sh", env=env)
    assert (server.var / "mosquitto" / "dynamic-security.json").stat().st_mode & 0o777 == 0o600  # password hashes
    main_conf = server.root / "etc" / "mosquitto" / "mosquitto.conf"
    main_conf.write_text(
        f"user {_current_user()}\npersistence true\npersistence_location {server.var / 'mosquitto'}/\n"
        f"log_dest file {server.logs / 'mosquitto.log'}\ninclude_dir {env['I5G_MOSQUITTO_CONF_DIR']}\n"
    )
    server.start(
        "mosquitto",
        [require_binary("mosquitto", "mosquitto"), "-c", str(main_conf)],
        server.logs / "mosquitto.out",
        env=BASE_ENV,
    )
    # InfluxDB: Debian's influxdb.conf with the documented edit (auth on), then influxdb.sh makes the admin, the
    # database and the two users. Paths and ports of the copy are moved into the temp dir by influxd's own
    # INFLUXDB_* overrides, the way a unit's Environment= would.
    influx_conf = server.root / "etc" / "influxdb" / "influxdb.conf"
    influx_conf.parent.mkdir(parents=True)
    shutil.copy("/etc/influxdb/influxdb.conf", influx_conf)
    subprocess.run(shlex.split(INFLUX_AUTH_EDIT.replace("/etc/influxdb/", f"{influx_conf.parent}/")), check=True)
    influx_url = f"http://127.0.0.1:{ports['influx']}"
    influx_data = server.var / "influxdb"
    server.start(
        "influxdb",
        [require_binary("influxd", "influxdb"), "-config", str(influx_conf)],
        server.logs / "influxdb.log",
        env={
            **BASE_ENV,
            "INFLUXDB_META_DIR": str(influx_data / "meta"),
            "INFLUXDB_DATA_DIR": str(influx_data / "data"),
            "INFLUXDB_DATA_WAL_DIR": str(influx_data / "wal"),
            "INFLUXDB_HTTP_BIND_ADDRESS": f"127.0.0.1:{ports['influx']}",
            "INFLUXDB_BIND_ADDRESS": f"127.0.0.1:{free_port()}",
            "INFLUXDB_REPORTING_DISABLED": "true",
            "INFLUXDB_MONITOR_STORE_ENABLED": "false",
            "INFLUXDB_DATA_QUERY_LOG_ENABLED": "false",
            "INFLUXDB_HTTP_LOG_ENABLED": "false",
        },
    )
    wait_for(lambda: _ok(f"{influx_url}/ping", 204), "InfluxDB", logs=(server.logs / "influxdb.log",))
    admin = Credentials("admin", (server.etc / "influx-admin-password").read_text().strip())
    sh("influxdb.sh", env={**env, "I5G_INFLUX_URL": influx_url})
    policies = query(influx_url, 'SHOW RETENTION POLICIES ON "i5g"', credentials=admin)["results"][0]["series"][0]
    assert [(name, duration, default) for name, duration, _, _, default in policies["values"]] == [
        ("raw", "720h0m0s", True),
        ("i5g_rollup", "87600h0m0s", False),
    ]
    users = query(influx_url, "SHOW USERS", credentials=admin)["results"][0]["series"][0]["values"]
    assert sorted(map(tuple, users)) == [
        ("admin", True),
        ("i5g-collector", False),
        ("i5g-reader", False),
        ("i5g-rollup", False),
    ]
    for user, right in (("i5g-collector", "WRITE"), ("i5g-reader", "READ"), ("i5g-rollup", "ALL PRIVILEGES")):
        grants = query(influx_url, f'SHOW GRANTS FOR "{user}"', credentials=admin)["results"][0]["series"][0]
        assert grants["values"] == [["i5g", right]], (user, grants)
    with pytest.raises(urllib.error.HTTPError) as refused:  # auth is on: nothing without credentials
        query(influx_url, "SHOW DATABASES")
    assert refused.value.code == 401
    sh("influxdb.sh", env={**env, "I5G_INFLUX_URL": influx_url})  # a re-run changes nothing and still passes
    wait_for(
        lambda: port_is_open(ports["mqtt"]) and port_is_open(ports["mqtts"]),
        "Mosquitto",
        logs=(server.logs / "mosquitto.log",),
    )

    # The wheel, installed non-editable into a server venv and an agent-only venv at the same time.
    phase("servers prepared")
    assert build.wait(300) == 0, build_log.read_text()
    phase("wheel built")
    wheels = sorted(p.name for p in dist.iterdir())
    assert any(name.endswith("-py3-none-any.whl") for name in wheels) and any(n.endswith(".tar.gz") for n in wheels)
    # The wheel is built from the sdist: what the sdist prunes (the checkout-only demo stack) is not in it.
    with zipfile.ZipFile(next(dist.glob("*.whl"))) as built:
        assert not [name for name in built.namelist() if name.startswith(("devstack/", "tests/"))]
    # The operator runs the scripts from the unpacked sdist: every one is in it, executable.
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        modes = {Path(*Path(m.name).parts[1:]): m.mode for m in sdist.getmembers() if m.isfile()}
    scripts = [path.relative_to(REPO) for path in [*INSTALL.glob("*.sh"), *BACKUP.iterdir(), NGINX_EXAMPLE]]
    assert all(path in modes for path in scripts), sorted(set(scripts) - set(modes))
    assert all(modes[path] & 0o111 for path in scripts if path != NGINX_EXAMPLE.relative_to(REPO))
    # PIP_NO_COMPILE only saves the test CPU time (no .pyc up front); the procedure is the same.
    server_install = subprocess.Popen(
        [str(INSTALL / "venv.sh"), str(dist), "registry,collector"],
        env={**BASE_ENV, **server.env, "PIP_NO_COMPILE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # The gateway has no index: a wheelhouse made beside the build, installed with I5G_OFFLINE=1.
    wheel = next(dist.glob("*.whl"))
    release = tmp_path / "release"
    sh("wheelhouse.sh", str(wheel), str(release), "agent", env={"PYTHON": "python3"})
    sh("venv.sh", str(release), "agent", env={**gateway.env, "I5G_OFFLINE": "1", "PIP_NO_COMPILE": "1"})
    phase("gateway venv (offline)")
    output = server_install.communicate(timeout=400)[0].decode()
    phase("server venv")
    assert server_install.returncode == 0, output
    for host in (server, gateway):
        site = next((host.prefix / "venv" / "lib").glob("python3*/site-packages"))
        assert not list(site.glob("__editable__*")) and (site / "registry" / "seeding" / "catalog").is_dir()
        assert not (site / "seeds").exists()  # nothing from the checkout
    assert not list(next((gateway.prefix / "venv" / "lib").glob("python3*/site-packages")).glob("fastapi*"))

    proxy_log = server.start_unit("i5g-influx-v2proxy.service")
    wait_for(lambda: _ok(f"http://127.0.0.1:{ports['proxy']}/health"), "the v2 proxy", logs=(proxy_log,))
    sh("registry-setup.sh", env=env, timeout=180)
    registry_log = server.start_unit("i5g-registry.service")
    registry = f"http://127.0.0.1:{ports['registry']}"
    wait_for(lambda: _ok(f"{registry}/healthz"), "the registry", logs=(registry_log,))
    assert httpx.get(f"{registry}/openapi.json").status_code == 404  # production: API docs off
    collector_log = server.start_unit("i5g-collector.service")
    wait_for(lambda: _ok(f"http://127.0.0.1:{ports['metrics']}/healthz"), "the collector", logs=(collector_log,))

    # Step 10: a staff token, made the documented way; step 1 of the Pi guide: register the gateway.
    staff = server.i5g("registry", "create-token", "--name", "ops", "--role", "staff").strip()
    headers = {"Authorization": f"Bearer {staff}"}
    use_case = httpx.get(f"{registry}/api/v1/usecases?review_status=approved", headers=headers).json()["items"][0]
    gateway_id = "gw-install-01"
    created = httpx.post(
        f"{registry}/api/v1/gateways",
        headers=headers,
        json={"id": gateway_id, "use_case_id": use_case["id"], "site_name": "line 1"},
    )
    assert created.status_code == 201, created.text

    # Gateway: CA copied from the server, config from the example, pre-flight check, then the unit.
    shutil.copy(server.etc / "tls" / "ca.crt", gateway.etc / "ca.crt")
    agent_env = {**gateway.env, "I5G_AGENT_STATE_DIR": str(gateway.var / "i5g-agent")}
    sh(
        "agent.sh",
        gateway_id,
        "localhost",
        str(ports["mqtts"]),
        env=agent_env,
        stdin=created.json()["broker_password"] + "\n",
    )
    check = subprocess.run(
        [str(gateway.prefix / "venv" / "bin" / "i5g"), "agent", "check", "--config", str(gateway.etc / "agent.toml")],
        env=BASE_ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "tls: ok" in check.stdout and f"mqtt: ok CONNECT as gw.{gateway_id} accepted" in check.stdout, check.stdout
    agent_log = gateway.start_unit("i5g-agent.service")
    state = Installed(
        server,
        gateway,
        postgres,
        influx_url,
        admin,
        ports,
        registry,
        headers,
        gateway_id,
        use_case,
        agent_log,
        collector_log,
    )
    wait_for(
        lambda: bool(state.stored_seqs()),
        "a sample of the gateway in InfluxDB",
        timeout=60,
        logs=(agent_log, collector_log, server.logs / "mosquitto.log"),
    )
    phase("sample in InfluxDB")
    print("\nproduction install from the wheel:", ", ".join(phases))
    return state


def test_a_sample_reaches_influxdb_as_the_writer(installed: Installed) -> None:
    # Written by the collector with its InfluxDB account (auth is on), enriched from the PostgreSQL registry.
    rows = installed.influx_rows(
        f'SELECT "{FIELD_SEQ}", "{TAG_USE_CASE}" FROM "{MEASUREMENT_KPI}"'
        f" WHERE \"{TAG_GATEWAY}\" = '{installed.gateway_id}'"
    )
    assert rows and rows[0][2] == str(installed.use_case["id"]), rows
    # Least privilege: the collector's account writes but cannot read; nothing is written without an account.
    writer = _env_file(installed.server.etc / "collector.env")["I5G_COLLECTOR_INFLUX_TOKEN"].split(":", 1)
    with pytest.raises(urllib.error.HTTPError) as refused:
        query(
            installed.influx_url, f'SELECT * FROM "{MEASUREMENT_KPI}" LIMIT 1', "i5g", credentials=Credentials(*writer)
        )
    assert refused.value.code == 403  # "not authorized to execute statement"
    anonymous = httpx.post(
        f"http://127.0.0.1:{installed.ports['proxy']}/api/v2/write?bucket=i5g&precision=ms", content=b"kpi x=1 1"
    )
    assert anonymous.status_code == 401, anonymous.text


def test_disable_and_reenable_loses_nothing(installed: Installed) -> None:
    """Every sample the agent took while its gateway was disabled is in InfluxDB after re-enabling; no dead letters."""
    registry, gateway_id = installed.registry, installed.gateway_id
    spool = installed.gateway.var / "i5g-agent" / "spool.sqlite"
    wait_for(installed.online, "the gateway online in the registry", timeout=30)

    def patch(enabled: bool) -> None:
        answer = httpx.patch(
            f"{registry}/api/v1/gateways/{gateway_id}", headers=installed.headers, json={"enabled": enabled}
        )
        assert answer.status_code == 200, answer.text

    patch(False)
    assert not installed.online()  # revocation ends "online" at once
    queued_at_cut = read_spool(spool).queued
    wait_for(lambda: read_spool(spool).queued >= queued_at_cut + 3, "the agent spooling while disabled", timeout=30)
    patch(True)
    wait_for(lambda: read_spool(spool).queued == 0, "the spool drained after re-enabling", timeout=60,
             logs=(installed.agent_log,))  # fmt: skip
    generated = read_spool(spool).next_seq
    missing: list[int] = []

    def complete() -> bool:
        missing[:] = sorted(set(range(generated)) - set(installed.stored_seqs()))
        return not missing

    wait_for(complete, "every generated sample in InfluxDB", timeout=30, logs=(installed.collector_log,))
    assert not missing, missing
    assert installed.influx_rows(f'SELECT * FROM "{MEASUREMENT_DEAD_LETTER}"') == []
    wait_for(installed.online, "online again once it published after re-enabling", timeout=30)
    print(f"\ndisable/re-enable: {generated} samples generated, all stored, 0 dead letters")


def test_backup_and_restore_round_trip_into_the_live_database(installed: Installed) -> None:
    """deploy/backup/ as docs/operations.md "Restoring the registry" runs it, into the database the registry uses."""
    server, registry, headers = installed.server, installed.registry, installed.headers
    pg = {"PGPASSFILE": str(server.etc / "pgpass")}  # written by server-config.sh
    database = f"postgresql://i5g@127.0.0.1:{installed.postgres.port}/i5g"
    dump = server.root / "var" / "backups" / "i5g" / "registry.dump"
    dump.parent.mkdir(parents=True)

    def catalog() -> list[tuple]:
        items = httpx.get(f"{registry}/api/v1/usecases?page_size=100", headers=headers).json()["items"]
        return sorted((item["id"], item["title"], item["review_status"]) for item in items)

    before = catalog()
    run(BACKUP / "registry-pg-backup", database, str(dump), env=pg)
    assert dump.stat().st_mode & 0o777 == 0o600
    # Changed after the backup: a second gateway (with its broker identity), which the restore must take away.
    later = httpx.post(
        f"{registry}/api/v1/gateways",
        headers=headers,
        json={"id": "gw-install-02", "use_case_id": installed.use_case["id"], "site_name": "line 2"},
    )
    assert later.status_code == 201, later.text

    server.stop_unit("i5g-registry.service")
    run(BACKUP / "registry-pg-restore", str(dump), database, env=pg)
    log = server.start_unit("i5g-registry.service")  # its ExecStartPre brings the schema to this release's
    wait_for(lambda: _ok(f"{registry}/healthz"), "the registry after the restore", logs=(log,))
    reconciled = server.i5g("broker", "reconcile")
    assert "gw-install-02: deleted" in reconciled, reconciled

    # The staff token (a row of the backup) still works; what came after the backup is gone.
    assert httpx.get(f"{registry}/api/v1/gateways/{installed.gateway_id}", headers=headers).status_code == 200
    assert httpx.get(f"{registry}/api/v1/gateways/gw-install-02", headers=headers).status_code == 404
    assert catalog() == before and before


def test_nginx_example_in_front_of_the_registry(installed: Installed, tmp_path: Path) -> None:
    """deploy/nginx/i5g-registry.conf rendered by deploy/install/nginx.sh, run by Debian's nginx: HTTPS, the
    redirect, forwarded client addresses (I5G_TRUSTED_PROXIES from server-config.sh) and Secure cookies."""
    server = installed.server
    pki = make_pki(tmp_path / "web-tls", hosts=(PUBLIC_NAME,), ips=())  # the test's certificate for the name
    nginx_dir = server.root / "etc" / "nginx"
    http_port, https_port = free_port(), free_port()
    sh(
        "nginx.sh",
        PUBLIC_NAME,
        str(pki.cert),
        str(pki.key),
        env={
            "I5G_NGINX_DIR": str(nginx_dir),
            "I5G_NGINX_HTTP_PORT": str(http_port),
            "I5G_NGINX_HTTPS_PORT": str(https_port),
            "I5G_REGISTRY_PORT": str(installed.ports["registry"]),
            "I5G_NGINX_LOG_DIR": str(server.logs),
        },
    )
    # A stand-in for Debian's /etc/nginx/nginx.conf: its http block including sites-enabled, with the pid file,
    # temp paths and user of this test.
    temp = server.root / "var" / "lib" / "nginx"
    temp.mkdir(parents=True, exist_ok=True)
    main_conf = nginx_dir / "nginx.conf"
    main_conf.write_text(
        f"user {_current_user()};\npid {server.root / 'nginx.pid'};\nerror_log {server.logs / 'nginx.error.log'};\n"
        "events { worker_connections 64; }\nhttp {\n    include /etc/nginx/mime.types;\n"
        + "".join(
            f"    {kind}_temp_path {temp / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    access_log off;\n    include {nginx_dir}/sites-enabled/*;\n}}\n"
    )
    nginx = require_binary("nginx", "nginx")
    checked = subprocess.run(
        [nginx, "-t", "-e", str(server.logs / "nginx.error.log"), "-c", str(main_conf)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr  # `nginx -t`, as the docs say
    server.start(
        "nginx",
        [nginx, "-e", str(server.logs / "nginx.error.log"), "-c", str(main_conf), "-g", "daemon off;"],
        server.logs / "nginx.out",
        env=BASE_ENV,
    )
    wait_for(
        lambda: port_is_open(https_port) and port_is_open(http_port), "nginx", logs=(server.logs / "nginx.error.log",)
    )

    trust = ssl.create_default_context(cafile=str(pki.ca_cert))
    sni = {"sni_hostname": PUBLIC_NAME}  # the name the certificate carries; the test has no DNS for it

    def client(address: str) -> httpx.Client:
        """A browser at `address` (another loopback address than nginx's own 127.0.0.1)."""
        transport = httpx.HTTPTransport(verify=trust, local_address=address)
        return httpx.Client(
            base_url=f"https://127.0.0.1:{https_port}", headers={"Host": PUBLIC_NAME}, transport=transport, timeout=10
        )

    plain = httpx.get(f"http://127.0.0.1:{http_port}/login?next=/fleet", headers={"Host": PUBLIC_NAME})
    assert (
        plain.status_code == 301
        and plain.headers["location"] == f"https://{PUBLIC_NAME}:{https_port}/login?next=/fleet"
    )

    with client("127.0.0.2") as browser:
        page = browser.get("/", extensions=sni)  # the catalog
        assert page.status_code == 200 and "text/html" in page.headers["content-type"], page.text[:500]
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert f"http://{PUBLIC_NAME}" not in page.text and "http://127.0.0.1" not in page.text  # no mixed content
        api = browser.get("/api/v1/usecases?review_status=approved", headers=installed.headers, extensions=sni)
        assert api.status_code == 200 and api.json()["items"], api.text
        assert browser.get("/openapi.json", extensions=sni).status_code == 404
        assert browser.get("/login", extensions=sni).status_code == 200
        session = next(cookie for cookie in browser.cookies.jar if cookie.name == "i5g_session")
        assert session.secure and session.has_nonstandard_attr("httponly")  # never sent over plain HTTP

    def failed_logins(address: str, count: int, spoof: str | None = None) -> list[int]:
        with client(address) as browser:
            form = browser.get("/login", extensions=sni)
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token, form.text[:500]
            headers = {"X-Forwarded-For": spoof} if spoof else {}
            data = {"csrf_token": token.group(1), "email": "ops@example.com", "password": "wrong-password-guess"}
            return [
                browser.post("/login", data=data, headers=headers, extensions=sni).status_code for _ in range(count)
            ]

    # Five wrong passwords for one account from one client: the sixth is throttled (I5G_WEB_LOGIN_MAX_FAILURES).
    assert failed_logins("127.0.0.2", 6) == [401] * 5 + [429]
    # Another client trying the same account is not: the registry counts clients, not nginx.
    assert failed_logins("127.0.0.3", 1) == [401]
    # A client claiming to be someone else in X-Forwarded-For: nginx replaces the header, the registry counts the
    # sender (127.0.0.3, one failure so far), so neither the spoofed address's throttle nor the sender's own
    # escapes: five more from .3 claiming to be .4 make .3 throttled.
    assert failed_logins("127.0.0.3", 5, spoof="127.0.0.4") == [401] * 4 + [429]
    assert failed_logins("127.0.0.4", 1) == [401]  # .4 itself was never charged
    access = (server.logs / "i5g-registry.access.log").read_text()
    assert "127.0.0.2 - - " in access and "127.0.0.3 - - " in access  # nginx's own log, in the documented place


def test_evidence_reads_the_samples_as_the_reader(installed: Installed) -> None:
    """Last (evidence counts whole minutes up to the current one, so by now the first samples are inside): the
    registry reads the retention policy influxdb.sh made, as the read-only user server-config.sh configured."""
    url = f"{installed.registry}/api/v1/usecases/{installed.use_case['id']}/evidence?window=24h"
    answers: list[dict] = []

    def counted() -> bool:
        answer = httpx.get(url, headers=installed.headers, timeout=20)
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
        return answers[-1]["samples"] > 0

    wait_for(counted, "evidence counting the gateway's samples", timeout=70)
    body = answers[-1]
    gateway = next(row for row in body["gateways"] if row["gateway_id"] == installed.gateway_id)
    stored = installed.influx_rows(
        f'SELECT count("{FIELD_SEQ}") FROM "{MEASUREMENT_KPI}" WHERE "{TAG_GATEWAY}" = \'{installed.gateway_id}\''
    )[0][1]
    assert 0 < gateway["samples"] <= stored and gateway["dead_letters"] == 0 and body["source"] == "raw", body

    # The rollup job, once, with the unit's command and evidence.env (its own account; influxdb.sh made the
    # policies). Only here: no settle time, so the minutes just measured are rolled now.
    commands, env, _ = installed.server.unit("i5g-evidence-rollup.service")
    argv = [arg for arg in commands[-1] if arg != "--follow"]
    rollup = subprocess.run(argv, env={**BASE_ENV, **env, "I5G_EVIDENCE_ROLLUP_SETTLE_S": "0"}, capture_output=True,
                            text=True, timeout=120, check=False)  # fmt: skip
    assert rollup.returncode == 0, rollup.stdout + rollup.stderr
    assert installed.influx_rows('SELECT * FROM "i5g"."i5g_rollup"./.*/ LIMIT 1'), rollup.stdout + rollup.stderr


def test_the_docs_show_every_install_script() -> None:
    """docs/operations.md quotes each script the install test runs, so the procedure has one text."""
    doc = (REPO / "docs" / "operations.md").read_text()
    missing = [path.name for path in sorted(INSTALL.glob("*.sh")) if f"deploy/install/{path.name}" not in doc]
    missing += [path.name for path in sorted(BACKUP.iterdir()) if f"deploy/backup/{path.name}" not in doc]
    assert not missing, f"docs/operations.md does not show {missing}"
    assert INFLUX_AUTH_EDIT in doc, "the InfluxDB step shows another edit than the test makes"


def _ok(url: str, status: int = 200) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == status
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gw|x", "localhost", "8883"], "gateway id must be a lowercase slug"),
        (["gw-1", 'evil"]\n[agent.sources.simulated', "8883"], "not a host name or address"),
        (["gw-1", "localhost", "88;83"], "not a port"),
    ],
)
def test_agent_script_refuses_values_that_would_rewrite_the_config(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "ca.crt").write_text("")
    result = subprocess.run(
        [str(INSTALL / "agent.sh"), *args], env={**BASE_ENV, "I5G_ETC": str(tmp_path)}, input="secret\n",
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "agent.toml").exists() and not (tmp_path / "mqtt-password").exists()


def test_influxdb_script_refuses_injected_names() -> None:
    for env, message in (
        ({"I5G_INFLUX_DATABASE": 'i5g"; DROP DATABASE "x'}, "database name"),
        ({"I5G_INFLUX_RETENTION": "90d; DROP"}, "retention"),
    ):
        result = subprocess.run(
            [str(INSTALL / "influxdb.sh")], env={**BASE_ENV, "I5G_INFLUX_URL": "http://127.0.0.1:1", **env},
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert result.returncode == 2 and message in result.stderr, result.stderr
