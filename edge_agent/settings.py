"""Agent configuration: one TOML table `[agent]` (sub-tables per concern) plus `I5G_AGENT_*` environment.

Everything the agent does is configured here and validated by pydantic-settings. `i5g agent run` validates
in the launching process and hands the result as plain JSON (`resolved_config`) to a lean runtime process
that never imports pydantic (see edge_agent/runtime.py for why: RSS). So the runtime reads the dict that
`model_dump` produces; field names here are the single definition of every key.

Environment examples: I5G_AGENT_GATEWAY_ID=gw-line1-01, I5G_AGENT_MQTT__HOST=broker.example,
I5G_AGENT_SOURCES__PROBE__TARGETS='["10.0.0.1:443"]'.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from edge_agent.clock import TIMESYNCD_MARKER
from edge_agent.sources.simulated import Behaviour
from edge_agent.status import config_hash
from i5g import contract
from i5g.scenarios import SCENARIOS
from i5g.settings import I5GSettings, SettingsError


def _check_gateway_id(value: str) -> str:
    if not contract.is_gateway_id(value):
        raise ValueError(f"must match {contract.GATEWAY_ID_PATTERN} (lowercase slug, 3-64 chars)")
    return value


def _check_scenario(value: str) -> str:
    if value not in SCENARIOS:
        raise ValueError(f"unknown scenario {value!r}; known: {', '.join(sorted(SCENARIOS))}")
    return value


GatewayId = Annotated[str, AfterValidator(_check_gateway_id)]
ScenarioKey = Annotated[str, AfterValidator(_check_scenario)]


class _Section(BaseModel):
    # Unknown keys are errors: a typo in a TOML key must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid")


class TlsSettings(_Section):
    enabled: bool = False
    ca_file: Path | None = None  # None: the system trust store
    cert_file: Path | None = None  # client certificate (mutual TLS)
    key_file: Path | None = None
    insecure: bool = False  # skip hostname verification (test brokers only)


class MqttSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    username: str | None = None  # None: the gateway's broker username, "gw." + gateway id
    password: str | None = Field(None, repr=False)
    password_file: Path | None = None  # e.g. a systemd credential ($CREDENTIALS_DIRECTORY/mqtt-password)
    tls: TlsSettings = TlsSettings()
    keepalive_s: int = Field(30, ge=5, le=3600)
    connect_timeout_s: float = Field(5.0, gt=0, le=120)
    reconnect_min_s: float = Field(0.5, gt=0)
    reconnect_max_s: float = Field(60.0, gt=0)
    # Messages in flight (published, PUBACK pending). Mosquitto's max_inflight_messages defaults to 20.
    max_inflight: int = Field(20, ge=1, le=65535)

    @model_validator(mode="after")
    def _check(self) -> MqttSettings:
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s must be >= reconnect_min_s")
        if self.password is not None and self.password_file is not None:
            raise ValueError("set password or password_file, not both")
        return self


class SpoolSettings(_Section):
    # Samples kept while the broker is unreachable. About 200 bytes each on disk: 500k ~ 100 MB, 5.8 days at 1 Hz.
    max_samples: int = Field(500_000, ge=10)
    max_age_s: float = Field(7 * 24 * 3600, gt=0, le=contract.MAX_SAMPLE_AGE_MS / 1000)
    # FULL: every commit is fsynced, so after power loss no seq that may have been published is reused
    # (docs/telemetry.md "Spool"). NORMAL trades that for fewer fsyncs (the simulator uses it).
    synchronous: Literal["FULL", "NORMAL"] = "FULL"
    batch_size: int = Field(contract.MAX_SAMPLES_PER_MESSAGE, ge=1, le=contract.MAX_SAMPLES_PER_MESSAGE)


class HostSource(_Section):
    enabled: bool = False
    disk_path: str = "/"
    interfaces: list[str] = []  # empty: every interface except loopback


class ProbeSource(_Section):
    enabled: bool = False
    # host:port for TCP connect timing; a bare host for ICMP. Empty: the MQTT broker the agent talks to.
    targets: list[str] = []
    method: Literal["tcp", "icmp", "auto"] = "auto"  # auto: ICMP where unprivileged ping is allowed, else TCP
    count: int = Field(3, ge=1, le=100)  # attempts per target per reading
    timeout_s: float = Field(1.0, gt=0, le=30)


class ModemManagerSource(_Section):
    enabled: bool = False
    modem: int = Field(0, ge=0)  # mmcli -m N
    mmcli: str = "mmcli"
    signal_rate_s: int = Field(5, ge=1)  # mmcli --signal-setup=<s>, sent once at start
    timeout_s: float = Field(5.0, gt=0)


class QuectelSource(_Section):
    """An AT port source (also the base of the Fibocom and Huawei ones): device, speed, answer timeout."""

    enabled: bool = False
    port: str = "/dev/ttyUSB2"
    baudrate: int = 115200
    timeout_s: float = Field(2.0, gt=0)


class FibocomSource(QuectelSource):
    pass


class HuaweiSource(QuectelSource):
    pass


RegisterType = Literal["int16", "uint16", "int32", "uint32", "float32"]


class ModbusRegister(_Section):
    kpi: str
    address: int = Field(ge=0, le=65535)
    type: RegisterType = "uint16"
    table: Literal["holding", "input"] = "holding"
    scale: float = 1.0
    offset: float = 0.0
    byte_order: Literal["big", "little"] = "big"  # within each 16-bit register
    word_order: Literal["big", "little"] = "big"  # of 32-bit values: big = high word first

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, value: str) -> str:
        if value not in contract.KPIS:
            raise ValueError(f"unknown KPI {value!r} (see i5g.contract.KPIS)")
        return value


class ModbusDevice(_Section):
    host: str
    port: int = Field(502, ge=1, le=65535)
    unit_id: int = Field(1, ge=0, le=255)
    timeout_s: float = Field(1.0, gt=0)
    registers: list[ModbusRegister] = Field(min_length=1)


class ModbusSource(_Section):
    enabled: bool = False
    devices: list[ModbusDevice] = []


class SimulatedSource(_Section):
    enabled: bool = False
    scenario: ScenarioKey = "agv"
    seed: int = 1
    degradation_rate: float = Field(0.01, ge=0, le=1)  # chance per reading that a degradation episode starts


class SourcesSettings(_Section):
    host: HostSource = HostSource()
    probe: ProbeSource = ProbeSource()
    modem_mm: ModemManagerSource = ModemManagerSource()
    modem_quectel: QuectelSource = QuectelSource()
    modem_fibocom: FibocomSource = FibocomSource()
    modem_huawei: HuaweiSource = HuaweiSource()
    modbus: ModbusSource = ModbusSource()
    simulated: SimulatedSource = SimulatedSource()


class AgentSettings(I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_AGENT_", extra="forbid", env_nested_delimiter="__")
    config_section: ClassVar[str | None] = "agent"

    gateway_id: GatewayId
    interval_s: float = Field(1.0, gt=0, le=3600)
    state_dir: Path = Path("/var/lib/i5g-agent")  # the spool lives here (systemd StateDirectory=)
    status_interval_s: float = Field(60.0, gt=0)  # how often a status with `dropped` may be republished
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # When the wall clock may stamp samples (edge_agent/clock.py): auto, kernel, file or trust.
    clock_sync: Literal["auto", "kernel", "file", "trust"] = "auto"
    clock_synced_file: Path = TIMESYNCD_MARKER
    mqtt: MqttSettings = MqttSettings()
    spool: SpoolSettings = SpoolSettings()
    sources: SourcesSettings = SourcesSettings()

    def resolved(self) -> dict[str, Any]:
        """Plain JSON-able config for the runtime, with the password read from password_file.

        No [agent.sources] at all: what every gateway has is sampled (host, and a probe of its broker). Sources
        configured but none enabled: refused, since such an agent would connect and publish nothing."""
        data = self.model_dump(mode="json")
        sources = data["sources"]
        if "sources" not in self.model_fields_set:
            sources["host"]["enabled"] = sources["probe"]["enabled"] = True
        elif not any(section["enabled"] for section in sources.values()):
            names = ", ".join(sources)
            raise SettingsError(
                "agent.sources: no source is enabled, so the agent would publish nothing. Enable one with "
                "`enabled = true` in its table, e.g. [agent.sources.host] (CPU, memory, disk, network of the "
                f"gateway) or [agent.sources.probe] (round trip to the broker); sources: {names}. "
                "Or remove [agent.sources] entirely to sample host and probe by default."
            )
        if not sources["probe"]["targets"]:
            sources["probe"]["targets"] = [f"{self.mqtt.host}:{self.mqtt.port}"]
        mqtt = data["mqtt"]
        if self.mqtt.password_file is not None:
            try:
                # One password per line (a rotated one may be added below the current one): the first is used.
                text = self.mqtt.password_file.read_text()
                lines = [line.strip() for line in text.splitlines() if line.strip()]
                mqtt["password"] = lines[0] if lines else ""
            except OSError as exc:
                raise SettingsError(f"agent.mqtt.password_file: cannot read {exc.filename}: {exc.strerror}") from None
        if mqtt["username"] is None:
            mqtt["username"] = contract.broker_username(self.gateway_id) if mqtt["password"] else None
        data["config_hash"] = config_hash(data)
        return data


class SimulatedGateway(_Section):
    """One entry of the simulator's credentials file."""

    gateway_id: GatewayId
    password: str | None = Field(None, repr=False)
    scenario: ScenarioKey = "agv"
    # edge_agent/sources/simulated.py BEHAVIOURS: the demo gives some gateways breaches or silence.
    behaviour: Behaviour = "default"


class SimulateSettings(I5GSettings):
    """`i5g agent simulate`: many simulated gateways in one process (flags override env and [agent_simulate])."""

    model_config = SettingsConfigDict(env_prefix="I5G_AGENT_SIMULATE_", extra="forbid", env_nested_delimiter="__")
    config_section: ClassVar[str | None] = "agent_simulate"

    gateways: int | None = Field(None, ge=1)  # default: every gateway of the credentials file, else 10
    rate_hz: float = Field(1.0, gt=0, le=100)  # samples per second per gateway
    duration_s: float | None = Field(None, gt=0)  # None: until SIGTERM/SIGINT
    seed: int = 1
    scenario: ScenarioKey | None = None  # None: gateways cycle through every scenario
    degradation_rate: float = Field(0.01, ge=0, le=1)
    gateway_prefix: str = "sim-gw"
    credentials_file: Path | None = None  # JSON list or TOML [[gateways]] of {gateway_id, password, scenario}
    state_dir: Path = Path("i5g-simulate")  # one spool per gateway: <state_dir>/<gateway_id>.sqlite
    spool_max_samples: int = Field(100_000, ge=10)
    # OFF: simulated data is throw-away and 1000 spools fsyncing at WAL checkpoints would stall the one thread.
    spool_synchronous: Literal["FULL", "NORMAL", "OFF"] = "OFF"
    connector_threads: int = Field(4, ge=1, le=64)
    mqtt: MqttSettings = MqttSettings()

    @field_validator("gateway_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not contract.is_gateway_id(f"{value}-0001"):
            raise ValueError(f"{value}-0001 would not be a valid gateway id ({contract.GATEWAY_ID_PATTERN})")
        return value
