"""The documented production install (docs/operations.md "Production install"), run from the built wheel.

Builds the release with scripts/build-release, then follows the same scripts the docs quote (deploy/install/*.sh)
into throw-away directories: a clean non-editable server venv (registry + collector) and a clean agent-only
venv, PostgreSQL (a throw-away server), Mosquitto with dynamic security and TLS, InfluxDB 1.x with the
`i5g influx v2proxy` unit. Services start with the ExecStart lines of deploy/systemd/*.service and their
environment files, with /opt/i5g, /etc/i5g, /var/lib and %d/%H mapped into the temp dir, as systemd would
run them. A gateway registered through the API passes `i5g agent check` and its samples reach InfluxDB
tagged with its use case.

What differs from a real host, and why: no systemd (units are read, not installed), no root-owned paths, and
Mosquitto's top-level file is the test's stand-in for Debian's /etc/mosquitto/mosquitto.conf (persistence
and include_dir of conf.d, running as the current user).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from devstack.influxdb import InfluxDBServer, query
from devstack.postgres import SERVICE_USER, PostgresServer, _current_user
from devstack.process import free_port, port_is_open, require_binary

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "deploy" / "install"
UNITS = REPO / "deploy" / "systemd"
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def sh(script: str, *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 300) -> str:
    result = subprocess.run(
        [str(INSTALL / script), *args],
        env={**BASE_ENV, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{script} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
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
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(5)
        self.processes.clear()


def _env_file(path: Path) -> dict[str, str]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[tuple[Host, Host]]:
    server, gateway = Host(tmp_path / "server"), Host(tmp_path / "gateway")
    try:
        yield server, gateway
    finally:
        gateway.stop()
        server.stop()


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_documented_install_from_the_wheel_delivers_a_sample(
    hosts: tuple[Host, Host], postgres: PostgresServer, tmp_path: Path
) -> None:
    server, gateway = hosts
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
    }
    sh("server-config.sh", env=env)
    assert {oct(p.stat().st_mode & 0o777) for p in server.etc.iterdir()} == {"0o600"}
    sh("tls.sh", str(server.etc / "tls"), "localhost", env=env)
    pg_user = SERVICE_USER if postgres.as_root else _current_user()
    sh("postgres.sh", env={**env, "PGHOST": "127.0.0.1", "PGPORT": str(postgres.port), "PGUSER": pg_user})

    # Mosquitto: the script's conf.d files under a stand-in for Debian's top-level mosquitto.conf.
    sh("mosquitto.sh", env=env)
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
    influx = InfluxDBServer(server.var / "influxdb", port=ports["influx"]).start()
    try:
        sh("influxdb.sh", env={**env, "I5G_INFLUX_URL": influx.url, "I5G_INFLUX_RETENTION": "30d"})
        policies = query(influx.url, 'SHOW RETENTION POLICIES ON "i5g"')["results"][0]["series"][0]["values"]
        assert [(name, duration, default) for name, duration, _, _, default in policies] == [("raw", "720h0m0s", True)]
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

        # Step 1 of the Pi guide: register the gateway (staff token made the documented way).
        registry_env = {**BASE_ENV, **_env_file(server.etc / "registry.env")}
        staff = subprocess.run(
            [
                str(server.prefix / "venv" / "bin" / "i5g"),
                "registry",
                "create-token",
                "--name",
                "ops",
                "--role",
                "staff",
            ],
            env=registry_env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
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
            [
                str(gateway.prefix / "venv" / "bin" / "i5g"),
                "agent",
                "check",
                "--config",
                str(gateway.etc / "agent.toml"),
            ],
            env=BASE_ENV,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert "tls: ok" in check.stdout and f"mqtt: ok CONNECT as gw.{gateway_id} accepted" in check.stdout, (
            check.stdout
        )
        agent_log = gateway.start_unit("i5g-agent.service")

        def stored() -> list:
            q = f'SELECT "seq", "use_case" FROM "kpi" WHERE "gateway" = \'{gateway_id}\''
            return (query(influx.url, q, "i5g")["results"][0].get("series") or [{"values": []}])[0]["values"]

        wait_for(
            lambda: bool(stored()),
            "a sample of the gateway in InfluxDB",
            timeout=60,
            logs=(agent_log, collector_log, server.logs / "mosquitto.log"),
        )
        assert stored()[0][2] == str(use_case["id"]), stored()  # enriched from the PostgreSQL registry
        phase("sample in InfluxDB")
        print("production install from the wheel:", ", ".join(phases))
    finally:
        server.stop()
        influx.stop()


def test_the_docs_show_every_install_script() -> None:
    """docs/operations.md quotes each script the install test runs, so the procedure has one text."""
    doc = (REPO / "docs" / "operations.md").read_text()
    missing = [path.name for path in sorted(INSTALL.glob("*.sh")) if f"deploy/install/{path.name}" not in doc]
    assert not missing, f"docs/operations.md does not show {missing}"


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
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
