"""`i5g stack up|status|down`: the whole system natively on loopback, state in one folder.

Order: Mosquitto (dynamic security, persistence) -> InfluxDB + the v2 write proxy -> registry (migrated,
seeded, served, provisioning broker identities) -> collector (own broker identity and registry token) ->
simulated fleet (one gateway per approved use case, each with its own credentials). `up` waits until each
part answers its health check, then supervises them in the foreground; Ctrl-C (or `i5g stack down` from
another terminal, which signals the supervisor) stops them in reverse order.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from devstack.fleet import FleetGateway, register_fleet
from devstack.http import http_ok
from devstack.influxdb import Credentials, InfluxAuth, InfluxDBServer, count_field, proxy_process
from devstack.mosquitto import BrokerAdmin, MosquittoServer, TlsListener
from devstack.process import ManagedProcess, ServiceError, port_is_open, require_binary
from devstack.settings import StackSettings
from devstack.state import PRIVATE_UMASK, StackState, make_private, write_private
from devstack.tls import make_pki
from i5g.contract import DATABASE_DEFAULT, FIELD_SEQ, MEASUREMENT_KPI

SUPERVISOR = "stack"
# Start order; `down` and Ctrl-C stop in reverse.
PARTS = ("mosquitto", "influxdb", "influx-v2-proxy", "registry", "collector", "rollup", "alerts", "fleet")
PORT_SETTING = {
    "mosquitto-tls": "I5G_STACK_MQTT_TLS_PORT",
    "mosquitto": "I5G_STACK_MQTT_PORT",
    "influxdb": "I5G_STACK_INFLUX_PORT",
    "influx-v2-proxy": "I5G_STACK_INFLUX_V2_PORT",
    "registry": "I5G_STACK_REGISTRY_PORT",
    "collector": "I5G_STACK_COLLECTOR_METRICS_PORT",
}
HOST = "127.0.0.1"


def influx_auth(secrets: dict[str, str]) -> InfluxAuth:
    def account(role: str) -> Credentials:
        return Credentials(secrets[f"influx_{role}_username"], secrets[f"influx_{role}_password"])

    return InfluxAuth(account("admin"), account("writer"), account("reader"), account("rollup"))


class StackStopped(Exception):
    """SIGINT/SIGTERM arrived: stop everything and exit."""


def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", "i5g.cli", *args]


def child_env(extra: dict[str, str]) -> dict[str, str]:
    # The parts read only what the stack hands them: a user's own I5G_* variables must not leak in.
    env = {key: value for key, value in os.environ.items() if not key.startswith("I5G_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@dataclass
class Stack:
    settings: StackSettings
    out: TextIO = sys.stdout
    state: StackState = field(init=False)
    processes: dict[str, ManagedProcess] = field(default_factory=dict)  # started parts
    auth: InfluxAuth | None = None  # InfluxDB accounts, from the secrets at `up`
    fleet: list[FleetGateway] = field(default_factory=list)
    began_at: float = 0.0

    def __post_init__(self) -> None:
        self.state = StackState(self.settings.state_dir)

    # ------------------------------------------------------------------------------------------ URLs

    @property
    def registry_url(self) -> str:
        return f"http://{HOST}:{self.settings.registry_port}"

    @property
    def influx_url(self) -> str:
        return f"http://{HOST}:{self.settings.influx_port}"

    @property
    def influx_v2_url(self) -> str:
        return f"http://{HOST}:{self.settings.influx_v2_port}"

    @property
    def mqtt_url(self) -> str:
        return f"mqtt://{HOST}:{self.settings.mqtt_port}"

    @property
    def tls_dir(self) -> Path:
        return self.state.root / "tls"

    # ------------------------------------------------------------------------------------------ checks

    def preflight(self) -> None:
        """Everything that can be checked before starting anything: binaries, free ports, policy files."""
        for binary, package in (("mosquitto", "mosquitto"), ("mosquitto_ctrl", "mosquitto-clients"),
                                ("influxd", "influxdb")):  # fmt: skip
            require_binary(binary, package)
        if not self.settings.mosquitto_policy_dir.is_dir():
            raise ServiceError(f"broker policy folder {self.settings.mosquitto_policy_dir} is missing")
        if not self.settings.seeds_dir.is_dir():
            raise ServiceError(f"seeds folder {self.settings.seeds_dir} is missing (I5G_STACK_SEEDS_DIR)")
        for part, port in self.settings.ports().items():
            if port_is_open(port):
                raise ServiceError(
                    f"port {port} on {HOST} is already in use, so {part} cannot start: stop what uses it "
                    f"or choose another port with {PORT_SETTING[part]}=..."
                )

    # ------------------------------------------------------------------------------------------ up

    def step(self, label: str, work: Callable[[], Any]) -> Any:
        self.out.write(f"  {label} ... ")
        self.out.flush()
        began = time.monotonic()
        try:
            result = work()
        except BaseException:
            self.out.write("FAILED\n")
            self.out.flush()
            raise
        self.out.write(f"ok ({time.monotonic() - began:.1f}s)\n")
        self.out.flush()
        return result

    def up(self) -> None:
        """Start every part (stopping what started if one fails)."""
        self.began_at = time.time()
        # Every file the stack and its parts write holds secrets, hashes or telemetry: owner only, whatever
        # the caller's umask (the parts inherit it); a state folder from an older version is tightened too.
        os.umask(PRIVATE_UMASK)
        self.state.root.mkdir(parents=True, exist_ok=True)
        make_private(self.state.root)
        for part in PARTS:  # a full start starts every part, also one held before
            self.state.held_path(part).unlink(missing_ok=True)
        secrets = self.state.secrets()
        self.auth = influx_auth(secrets)
        try:
            self.step(f"broker       {self.mqtt_url} (dynamic security, persistence)", lambda: self._mosquitto(secrets))
            self.step(f"InfluxDB     {self.influx_url} (database {DATABASE_DEFAULT}, auth)", self._influxdb)
            self.step(f"v2 proxy     {self.influx_v2_url}", self._proxy)
            self.step(f"registry     {self.registry_url} (migrate, seed, serve)", lambda: self._registry(secrets))
            self.step("collector    broker identity + registry token, then run", lambda: self._collector(secrets))
            self.step("rollup       evidence rollups (i5g evidence rollup --follow)", lambda: self._rollup(secrets))
            self.step("alerts       rule evaluator (lease in the registry database)", lambda: self._alerts(secrets))
            self.fleet = self.step("fleet        register one gateway per approved use case", self._register_fleet)
            self.step(f"fleet        {len(self.fleet)} simulated gateways at {self.settings.rate_hz:g} Hz", self._fleet)
            self.step("data         first samples stored in InfluxDB", self._wait_for_data)
        except BaseException:
            self.stop()
            raise
        write_private(self.state.info_path, self.info())

    def _start(self, part: str, process: ManagedProcess) -> None:
        process.start(self.settings.start_timeout_s)
        assert process.pid is not None
        self.processes[part] = process
        self.state.write_pid(part, process.pid, process.argv)

    def _mosquitto(self, secrets: dict[str, str]) -> None:
        admin = BrokerAdmin(secrets["broker_admin_username"], secrets["broker_admin_password"])
        tls = None
        if self.settings.mqtt_tls_port:
            pki = make_pki(self.tls_dir, days=365)
            tls = TlsListener(self.settings.mqtt_tls_port, pki.cert, pki.key)
        server = MosquittoServer(
            self.state.root / "mosquitto",
            self.settings.mqtt_port,
            admin=admin,
            policy_dir=self.settings.mosquitto_policy_dir,
            tls=tls,
        )
        server.process.log_path = self.state.log("mosquitto")
        self._migrate_broker_accounts(server.dynsec_path)
        server.write_config()
        self._start("mosquitto", server.process)

    def _migrate_broker_accounts(self, dynsec_file: Path) -> None:
        """A state folder from before the gateway namespace: move its gateway accounts (broker not running)."""
        from registry.broker.migrate import migrate_dynsec_file

        if dynsec_file.exists() and migrate_dynsec_file(dynsec_file).changed:
            self.out.write("(gateway accounts moved to the gw.<id> namespace) ")

    def _influxdb(self) -> None:
        server = InfluxDBServer(self.state.root / "influxdb", self.settings.influx_port, auth=self.auth)
        server.process.log_path = self.state.log("influxdb")
        server.write_config()
        self._start("influxdb", server.process)
        server.create_users(DATABASE_DEFAULT)
        self._retention_policies()

    def _retention_policies(self) -> None:
        """Raw retention and the rollups' long policy (InfluxDB 1.x DDL needs the admin; the job has no admin)."""
        from registry.evidence.influx import InfluxClient
        from registry.evidence.rollup import ensure_retention_policies
        from registry.evidence.settings import EvidenceSettings

        assert self.auth is not None
        admin = self.auth.admin
        settings = EvidenceSettings(
            influx_url=self.influx_url, database=DATABASE_DEFAULT, username=admin.username, password=admin.password
        )
        with InfluxClient(settings) as client:
            ensure_retention_policies(client)

    def _proxy(self) -> None:
        process = proxy_process(
            self.influx_url, self.settings.influx_v2_port, self.state.log("influx-v2-proxy"), env=child_env({})
        )
        self._start("influx-v2-proxy", process)

    def _registry_env(self, secrets: dict[str, str]) -> dict[str, str]:
        return child_env(
            {
                "I5G_DATABASE_URL": f"sqlite:///{self.state.root / 'registry.db'}",
                "I5G_HOST": HOST,
                "I5G_PORT": str(self.settings.registry_port),
                "I5G_SECRET_KEY": secrets["registry_secret_key"],
                "I5G_BROKER_ADMIN_URL": self.mqtt_url,
                "I5G_BROKER_ADMIN_USERNAME": secrets["broker_admin_username"],
                "I5G_BROKER_ADMIN_PASSWORD": secrets["broker_admin_password"],
                # Deployment evidence reads InfluxQL (/query) with the read-only account, as the dashboards do.
                "I5G_EVIDENCE_INFLUX_URL": self.influx_url,
                "I5G_EVIDENCE_DATABASE": DATABASE_DEFAULT,
                "I5G_EVIDENCE_USERNAME": secrets["influx_reader_username"],
                "I5G_EVIDENCE_PASSWORD": secrets["influx_reader_password"],
            }
        )

    def _registry_command(self, env: dict[str, str], *args: str) -> str:
        result = subprocess.run(
            _python("registry", *args), env=env, capture_output=True, text=True, timeout=120, check=False
        )
        with open(self.state.log("registry"), "a") as log:
            log.write(f"$ i5g registry {' '.join(args)}\n{result.stdout}{result.stderr}")
        if result.returncode != 0:
            raise ServiceError(f"i5g registry {args[0]} failed:\n{(result.stderr or result.stdout).strip()}")
        return result.stdout

    def _token(self, env: dict[str, str], secrets: dict[str, str], role: str) -> str:
        key = f"registry_{role}_token"
        if key not in secrets:
            # A fresh name each time: a token whose plaintext was lost cannot be recovered, only replaced.
            name = f"stack-{role}-{int(time.time())}"
            secrets[key] = self._registry_command(env, "create-token", "--name", name, "--role", role).strip()
            self.state.save_secret(key, secrets[key])
        return secrets[key]

    def _registry(self, secrets: dict[str, str]) -> None:
        self.state.log_dir.mkdir(parents=True, exist_ok=True)
        env = self._registry_env(secrets)
        self._registry_command(env, "migrate")
        self._registry_command(env, "seed", "--seeds-dir", str(self.settings.seeds_dir))
        self._token(env, secrets, "staff")
        self._token(env, secrets, "collector")
        process = ManagedProcess(
            "registry",
            _python("registry", "serve", "--host", HOST, "--port", str(self.settings.registry_port)),
            self.state.log("registry"),
            ready=lambda: http_ok(f"{self.registry_url}/healthz"),
            env=env,
            ports=[self.settings.registry_port],
        )
        self._start("registry", process)

    def _admin(self, secrets: dict[str, str]) -> Any:
        from registry.broker.dynsec import DynsecClient

        return DynsecClient(
            HOST, self.settings.mqtt_port, secrets["broker_admin_username"], secrets["broker_admin_password"]
        )

    def _collector(self, secrets: dict[str, str]) -> None:
        from registry.broker.service import ensure_collector

        with self._admin(secrets) as dynsec:
            ensure_collector(dynsec, secrets["collector_mqtt_username"], secrets["collector_mqtt_password"])
        env = child_env(
            {
                "I5G_COLLECTOR_REPLICA": "stack",
                "I5G_COLLECTOR_STATE_DIR": str(self.state.root / "collector"),
                "I5G_COLLECTOR_MQTT_HOST": HOST,
                "I5G_COLLECTOR_MQTT_PORT": str(self.settings.mqtt_port),
                "I5G_COLLECTOR_MQTT_USERNAME": secrets["collector_mqtt_username"],
                "I5G_COLLECTOR_MQTT_PASSWORD": secrets["collector_mqtt_password"],
                "I5G_COLLECTOR_INFLUX_URL": self.influx_v2_url,
                "I5G_COLLECTOR_INFLUX_TOKEN": influx_auth(secrets).writer.token,
                "I5G_COLLECTOR_INFLUX_BUCKET": DATABASE_DEFAULT,
                "I5G_COLLECTOR_REGISTRY_URL": self.registry_url,
                "I5G_COLLECTOR_REGISTRY_TOKEN": secrets["registry_collector_token"],
                "I5G_COLLECTOR_METRICS_HOST": HOST,
                "I5G_COLLECTOR_METRICS_PORT": str(self.settings.collector_metrics_port),
            }
        )
        process = ManagedProcess(
            "collector",
            _python("collector", "run"),
            self.state.log("collector"),
            ready=lambda: http_ok(f"http://{HOST}:{self.settings.collector_metrics_port}/healthz"),
            env=env,
            ports=[self.settings.collector_metrics_port],
        )
        self._start("collector", process)

    def _rollup(self, secrets: dict[str, str]) -> None:
        """The evidence rollup job, so long windows read rollups (docs/evidence.md), as its systemd unit runs it."""
        account = influx_auth(secrets).rollup
        assert account is not None
        env = child_env(
            {
                "I5G_EVIDENCE_INFLUX_URL": self.influx_url,
                "I5G_EVIDENCE_DATABASE": DATABASE_DEFAULT,
                "I5G_EVIDENCE_USERNAME": account.username,
                "I5G_EVIDENCE_PASSWORD": account.password,
                "I5G_EVIDENCE_MANAGE_RETENTION_POLICIES": "false",  # created by the admin in _influxdb
                "I5G_EVIDENCE_ROLLUP_SETTLE_S": f"{self.settings.rollup_settle_s:g}",
                "I5G_EVIDENCE_ROLLUP_INTERVAL_S": f"{self.settings.rollup_interval_s:g}",
            }
        )
        process = ManagedProcess(
            "rollup",
            _python("evidence", "rollup", "--follow"),
            self.state.log("rollup"),
            ready=lambda: True,
            env=env,
            ports=[],
        )
        self._start("rollup", process)

    def _register_fleet(self) -> list[FleetGateway]:
        from registry.broker.service import provision_gateway

        secrets = self.state.secrets()

        def rotate(gateway_id: str) -> str:
            with self._admin(secrets) as dynsec:
                return provision_gateway(dynsec, gateway_id, pin_client_id=True)

        fleet = register_fleet(
            self.registry_url,
            secrets["registry_staff_token"],
            self.state.credentials_path,
            rotate,
            self.settings.max_gateways,
        )
        if not fleet:
            raise ServiceError("the registry has no approved use case to attach a demo gateway to (seeds?)")
        return fleet

    def _alerts(self, secrets: dict[str, str]) -> None:
        """The alert evaluator (docs/alerts.md): the registry's database and InfluxDB reader settings, rounds every
        15 s; webhooks on this machine are allowed (a demo's receivers are local)."""
        env = {**self._registry_env(secrets), "I5G_ALERTS_INTERVAL_S": "15", "I5G_ALERTS_ALLOW_PRIVATE_TARGETS": "true"}
        env["I5G_ALERTS_PUBLIC_URL"] = self.registry_url
        process = ManagedProcess(
            "alerts", _python("alerts", "run"), self.state.log("alerts"), ready=lambda: True, env=env
        )
        self._start("alerts", process)

    def _fleet(self) -> None:
        argv = _python(
            "agent", "simulate",
            "--credentials", str(self.state.credentials_path),
            "--broker", f"{HOST}:{self.settings.mqtt_port}",
            "--rate", f"{self.settings.rate_hz:g}",
            "--state-dir", str(self.state.root / "fleet"),
        )  # fmt: skip
        process = ManagedProcess(
            "fleet", argv, self.state.log("fleet"), ready=lambda: True, env=child_env({}), ports=[]
        )
        self._start("fleet", process)

    def _wait_for_data(self) -> None:
        # Samples taken since this `up` started: data from an earlier run proves nothing about this one.
        since_ms = int(self.began_at * 1000)
        deadline = time.monotonic() + self.settings.start_timeout_s
        while time.monotonic() < deadline:
            for part, process in self.processes.items():
                if not process.running():
                    raise ServiceError(f"{part} stopped:\n{process.log_tail()}")
            reader = self.auth.reader if self.auth else None
            if count_field(self.influx_url, DATABASE_DEFAULT, MEASUREMENT_KPI, FIELD_SEQ, since_ms, reader) > 0:
                return
            time.sleep(0.5)
        raise ServiceError(
            f"no samples reached InfluxDB within {self.settings.start_timeout_s:g}s: "
            f"see {self.state.log('collector')} and {self.state.log('fleet')}"
        )

    # ------------------------------------------------------------------------------------------ run, stop

    def supervise(self, poll_s: float = 1.0) -> None:
        """Until a signal: watch the parts; one that died is started again with backoff (as systemd's
        Restart=on-failure would), the others keep running. A part the operator stopped on purpose
        (`i5g stack fleet stop`) is left alone."""
        secrets = self.state.secrets()
        restarts = PartRestarts()
        while True:
            for part in PARTS:
                if self.held(part) or self.part_running(part):
                    restarts.ran(part)
                    continue
                if not restarts.due(part):
                    continue
                process = self.processes.pop(part, None)
                tail = process.log_tail() if process is not None else ""
                self.out.write(f"{part} stopped unexpectedly; starting it again (attempt {restarts.attempt(part)})\n")
                if tail:
                    self.out.write(tail + "\n")
                self.out.flush()
                try:
                    self.start_part(part, secrets)
                except ServiceError as exc:
                    self.out.write(f"{part} did not start: {exc}\n")
                    self.out.flush()
            time.sleep(poll_s)

    # ------------------------------------------------------------------------------------------ parts

    def part_running(self, part: str) -> bool:
        process = self.processes.get(part)
        if process is not None and process.running():
            return True
        return self._foreign_pid(part) is not None

    def _foreign_pid(self, part: str) -> int | None:
        """The live pid of `part` when another `i5g stack` command started it (e.g. `fleet start`)."""
        process = self.processes.get(part)
        pid = self.state.live_pid(part)
        return pid if pid is not None and (process is None or pid != process.pid) else None

    def held(self, part: str) -> bool:
        """Stopped on purpose (`i5g stack fleet stop`): not missing, not to be restarted."""
        return self.state.held_path(part).exists()

    def start_part(self, part: str, secrets: dict[str, str] | None = None) -> None:
        secrets = secrets if secrets is not None else self.state.secrets()
        starters: dict[str, Callable[[], None]] = {
            "mosquitto": lambda: self._mosquitto(secrets),
            "influxdb": self._influxdb,
            "influx-v2-proxy": self._proxy,
            "registry": lambda: self._registry(secrets),
            "collector": lambda: self._collector(secrets),
            "rollup": lambda: self._rollup(secrets),
            "alerts": lambda: self._alerts(secrets),
            "fleet": self._fleet,
        }
        starters[part]()

    def missing_parts(self) -> list[str]:
        return [part for part in PARTS if not (self.part_running(part) or self.held(part))]

    def start_missing(self) -> list[str]:
        """Start, in order, the parts that are neither running nor held (e.g. after a kill -9)."""
        self.began_at = time.time()
        secrets = self.state.secrets()
        started = []
        for part in self.missing_parts():
            self.step(f"{part:12} was not running: start it", lambda part=part: self.start_part(part, secrets))
            started.append(part)
        return started

    def stop_fleet(self) -> bool:
        """Stop only the simulated gateways and keep them stopped (the supervisor leaves them alone)."""
        self.state.held_path("fleet").parent.mkdir(parents=True, exist_ok=True)
        self.state.held_path("fleet").touch()
        process = self.processes.pop("fleet", None)
        if process is not None:
            process.stop()
        pid = self.state.live_pid("fleet")
        if pid is not None:
            stop_pid(pid)
        self.state.clear_pid("fleet")
        return pid is not None or process is not None

    def start_fleet(self) -> bool:
        self.state.held_path("fleet").unlink(missing_ok=True)
        if self.part_running("fleet"):
            return False
        self._fleet()
        return True

    def stop(self) -> None:
        for part in reversed(PARTS):
            foreign = self._foreign_pid(part)
            process = self.processes.pop(part, None)
            if foreign is None and (process is None or not process.running()):
                if process is not None:
                    self.state.clear_pid(part)
                continue
            self.out.write(f"  stopping {part}\n")
            self.out.flush()
            if process is not None:
                process.stop()
            if foreign is not None:
                stop_pid(foreign)
            self.state.clear_pid(part)

    def info(self) -> dict[str, Any]:
        return {
            "state_dir": str(self.state.root),
            "urls": {
                "registry": self.registry_url,
                "api_docs": f"{self.registry_url}/docs",
                "fleet_health": f"{self.registry_url}/fleet?window=15m",
                "alerts": f"{self.registry_url}/alerts",
                "mqtt": self.mqtt_url,
                **({"mqtts": f"mqtts://{HOST}:{self.settings.mqtt_tls_port}"} if self.settings.mqtt_tls_port else {}),
                "influxdb": self.influx_url,
                "influxdb_v2": self.influx_v2_url,
                "collector_metrics": f"http://{HOST}:{self.settings.collector_metrics_port}/metrics",
            },
            "gateways": [gateway.gateway_id for gateway in self.fleet],
            # Which gateways breach or stay silent on purpose (README "Deployment evidence in the demo").
            "demo_behaviours": {g.gateway_id: g.behaviour for g in self.fleet if g.behaviour != "steady"},
        }


def stop_pid(pid: int, timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL: a part this process did not start (a detached `up`, a restart)."""
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


@dataclass
class PartRestarts:
    """Backoff per part: 1 s, 2 s, 4 s ... up to 60 s between attempts; back to 1 s once a part has run
    for a minute."""

    first_s: float = 1.0
    max_s: float = 60.0
    healthy_after_s: float = 60.0
    attempts: dict[str, int] = field(default_factory=dict)
    next_at: dict[str, float] = field(default_factory=dict)
    up_since: dict[str, float] = field(default_factory=dict)

    def ran(self, part: str) -> None:
        now = time.monotonic()
        since = self.up_since.setdefault(part, now)
        if now - since >= self.healthy_after_s:
            self.attempts.pop(part, None)

    def due(self, part: str) -> bool:
        self.up_since.pop(part, None)
        now = time.monotonic()
        if now < self.next_at.get(part, 0.0):
            return False
        attempt = self.attempts.get(part, 0)
        self.attempts[part] = attempt + 1
        self.next_at[part] = now + min(self.max_s, self.first_s * 2**attempt)
        return True

    def attempt(self, part: str) -> int:
        return self.attempts.get(part, 0)


def install_signal_handlers() -> None:
    def handler(signum: int, frame: Any) -> None:
        raise StackStopped(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
