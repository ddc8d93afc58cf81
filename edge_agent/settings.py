"""Agent configuration: one TOML table `[agent]` (sub-tables per concern) plus `I5G_AGENT_*` environment.

Everything the agent does is configured here and validated by pydantic-settings. `i5g agent run` validates
in the launching process and hands the result as plain JSON (`resolved_config`) to a lean runtime process
that never imports pydantic (see edge_agent/runtime.py for why: RSS). So the runtime reads the dict that
`model_dump` produces; field names here are the single definition of every key.

Environment examples: I5G_AGENT_GATEWAY_ID=gw-line1-01, I5G_AGENT_MQTT__HOST=broker.example,
I5G_AGENT_SOURCES__PROBE__TARGETS='["10.0.0.1:443"]'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
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


def _check_kpi(value: str) -> str:
    if value not in contract.KPIS:
        raise ValueError(f"unknown KPI {value!r} (see i5g.contract.KPIS)")
    return value


GatewayId = Annotated[str, AfterValidator(_check_gateway_id)]
ScenarioKey = Annotated[str, AfterValidator(_check_scenario)]


class _Section(BaseModel):
    # Unknown keys are errors: a typo in a TOML key must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid")


# An option only the gateway's own file may set (LOCAL_ONLY_KEYS): declared on the field, so a subclass (the
# Fibocom and Huawei AT sources reuse the Quectel settings) and a source added later inherit it.
LOCAL_ONLY: dict[str, Any] = {"local_only": True}


def _check_backoff_and_password(section: MqttSettings | OpcUaSettings) -> None:
    if section.reconnect_max_s < section.reconnect_min_s:
        raise ValueError("reconnect_max_s must be >= reconnect_min_s")
    if section.password is not None and section.password_file is not None:
        raise ValueError("set password or password_file, not both")


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
        _check_backoff_and_password(self)
        return self


class SpoolSettings(_Section):
    # Samples kept while the broker is unreachable. About 200 bytes each on disk: 500k ~ 100 MB, 5.8 days at 1 Hz.
    max_samples: int = Field(500_000, ge=10)
    max_age_s: float = Field(7 * 24 * 3600, gt=0, le=contract.MAX_SAMPLE_AGE_MS / 1000)
    # FULL: every commit is fsynced, so after power loss no seq that may have been published is reused
    # (docs/telemetry.md "Spool"). NORMAL trades that for fewer fsyncs (the simulator uses it).
    synchronous: Literal["FULL", "NORMAL"] = "FULL"
    batch_size: int = Field(contract.MAX_SAMPLES_PER_MESSAGE, ge=1, le=contract.MAX_SAMPLES_PER_MESSAGE)


def _check_disk_path(value: str) -> str:
    # Only ever statvfs()ed, but it may come from the registry (remote configuration): an absolute, normalised
    # path, so nothing names a place through ".." or a relative path.
    parts = value.split("/")
    if not value.startswith("/") or ".." in parts or "\0" in value or len(value) > 255:
        raise ValueError("must be an absolute path without '..' (at most 255 characters)")
    return value


ShortName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:@-]+$")]
ProbeTarget = Annotated[str, Field(min_length=1, max_length=262, pattern=r"^[A-Za-z0-9_.:\[\]-]+$")]


class HostSettings(_Section):
    enabled: bool = False
    disk_path: Annotated[str, AfterValidator(_check_disk_path)] = "/"
    interfaces: list[ShortName] = Field([], max_length=64)  # empty: every interface except loopback


class ProbeSettings(_Section):
    enabled: bool = False
    # host:port for TCP connect timing; a bare host for ICMP. Empty: the MQTT broker the agent talks to.
    targets: list[ProbeTarget] = Field([], max_length=32)
    method: Literal["tcp", "icmp", "auto"] = "auto"  # auto: ICMP where unprivileged ping is allowed, else TCP
    count: int = Field(3, ge=1, le=100)  # attempts per target per reading
    timeout_s: float = Field(1.0, gt=0, le=30)


class ModemManagerSettings(_Section):
    enabled: bool = False
    modem: int = Field(0, ge=0)  # mmcli -m N
    mmcli: str = Field("mmcli", json_schema_extra=LOCAL_ONLY)  # a program the agent runs
    signal_rate_s: int = Field(5, ge=1)  # mmcli --signal-setup=<s>, sent once at start
    timeout_s: float = Field(5.0, gt=0)


class QuectelSettings(_Section):
    """An AT port source (also the base of the Fibocom and Huawei ones): device, speed, answer timeout."""

    enabled: bool = False
    port: str = Field("/dev/ttyUSB2", json_schema_extra=LOCAL_ONLY)  # a device the agent opens and writes to
    baudrate: int = 115200
    timeout_s: float = Field(2.0, gt=0)


class FibocomSettings(QuectelSettings):
    pass


class HuaweiSettings(QuectelSettings):
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
        return _check_kpi(value)


class ModbusDevice(_Section):
    host: str
    port: int = Field(502, ge=1, le=65535)
    unit_id: int = Field(1, ge=0, le=255)
    timeout_s: float = Field(1.0, gt=0)
    registers: list[ModbusRegister] = Field(min_length=1)


class ModbusSettings(_Section):
    enabled: bool = False
    devices: list[ModbusDevice] = []


# OPC UA node ids in their string form (OPC 10000-6 5.3.1.10): optional ns=<index>; or nsu=<uri>; then
# i=<numeric>, s=<string>, g=<guid> or b=<base64 opaque>. Checked here so a typo fails at start-up.
_NODE_ID = re.compile(
    r"(?:(?:ns=\d{1,5}|nsu=[^;]{1,512});)?"
    r"(?:i=\d{1,10}|s=.{1,4096}|g=[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/=]{1,4096})",
    re.DOTALL,
)


class OpcUaNode(_Section):
    node_id: str  # e.g. "ns=2;s=Line1.AGV7.PositionError" or "ns=3;i=1021"
    kpi: str
    scale: float = 1.0  # value = raw * scale + offset
    offset: float = 0.0
    # The unit of the value after scale and offset, checked against the contract's unit for the KPI: writing it
    # down makes a mapping that forgot a conversion (s for ms, mm for cm) fail at start-up, not in a dashboard.
    unit: str | None = None

    @field_validator("node_id")
    @classmethod
    def _node_id(cls, value: str) -> str:
        if not _NODE_ID.fullmatch(value):
            raise ValueError(
                f"{value!r} is not an OPC UA node id; write it as ns=<index>;i=<number> or ns=<index>;s=<name> "
                "(also g=<guid>, b=<base64>, nsu=<uri>; instead of ns=)"
            )
        return value

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, value: str) -> str:
        return _check_kpi(value)

    @model_validator(mode="after")
    def _unit(self) -> OpcUaNode:
        expected = contract.KPIS[self.kpi].unit
        if self.unit is not None and self.unit != expected:
            raise ValueError(
                f"{self.kpi} is in {expected or 'no unit'!r} (i5g.contract.KPIS), not {self.unit!r}: convert with "
                f"scale/offset and set unit = {expected!r}"
            )
        return self


class OpcUaSettings(_Section):
    enabled: bool = False
    endpoint: str = Field("opc.tcp://127.0.0.1:4840", json_schema_extra=LOCAL_ONLY)  # where credentials go
    # subscribe: the server sends changes (publishing interval = interval_s); poll: one Read of every node per tick.
    mode: Literal["subscribe", "poll"] = "subscribe"
    interval_s: float = Field(1.0, gt=0, le=3600)
    timeout_s: float = Field(4.0, gt=0, le=120)  # per request, and for connecting
    reconnect_min_s: float = Field(1.0, gt=0)
    reconnect_max_s: float = Field(60.0, gt=0)
    security_policy: Literal["None", "Basic256Sha256"] = Field("None", json_schema_extra=LOCAL_ONLY)
    security_mode: Literal["Sign", "SignAndEncrypt"] = Field(  # with Basic256Sha256
        "SignAndEncrypt", json_schema_extra=LOCAL_ONLY
    )
    certificate_file: Path | None = None  # the agent's application instance certificate (PEM or DER)
    private_key_file: Path | None = None
    # The server's certificate, pinned: messages are encrypted to it and its signatures checked against it.
    server_certificate_file: Path | None = None
    # must match the URI in certificate_file's subjectAltName
    application_uri: str = Field("urn:i5g:edge-agent", json_schema_extra=LOCAL_ONLY)
    username: str | None = None  # None: anonymous
    password: str | None = Field(None, repr=False)
    password_file: Path | None = None
    nodes: list[OpcUaNode] = []

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if not re.fullmatch(r"opc\.tcp://[^\s/@]+(?::\d{1,5})?(?:/\S*)?", value):
            raise ValueError(
                f"{value!r}: write the endpoint as opc.tcp://host:port[/path] (credentials go in "
                "username/password_file, not in the URL)"
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> OpcUaSettings:
        _check_backoff_and_password(self)
        if (self.password is not None or self.password_file is not None) and not self.username:
            raise ValueError("a password needs a username")
        files = {"certificate_file": self.certificate_file, "private_key_file": self.private_key_file,
                 "server_certificate_file": self.server_certificate_file}  # fmt: skip
        if self.security_policy != "None":
            missing = [name for name, path in files.items() if path is None]
            if missing:
                raise ValueError(f"security_policy {self.security_policy} needs {', '.join(missing)}")
        if not self.enabled:
            return self
        if not self.nodes:
            raise ValueError("no nodes: add [[agent.sources.opcua.nodes]] tables (node_id, kpi)")
        for what in ("node_id", "kpi"):
            seen = [getattr(node, what) for node in self.nodes]
            twice = sorted({value for value in seen if seen.count(value) > 1})
            if twice:
                raise ValueError(f"{what} mapped more than once: {', '.join(twice)}")
        return self


class SimulatedSettings(_Section):
    enabled: bool = False
    scenario: ScenarioKey = "agv"
    seed: int = 1
    degradation_rate: float = Field(0.01, ge=0, le=1)  # chance per reading that a degradation episode starts


class SourcesSettings(_Section):
    host: HostSettings = HostSettings()
    probe: ProbeSettings = ProbeSettings()
    modem_mm: ModemManagerSettings = ModemManagerSettings()
    modem_quectel: QuectelSettings = QuectelSettings()
    modem_fibocom: FibocomSettings = FibocomSettings()
    modem_huawei: HuaweiSettings = HuaweiSettings()
    modbus: ModbusSettings = ModbusSettings()
    opcua: OpcUaSettings = OpcUaSettings()
    simulated: SimulatedSettings = SimulatedSettings()


class RemoteConfig(_Section):
    """The remotely settable part of the agent's configuration: the registry validates a gateway's desired
    configuration with this model (PUT /api/v1/gateways/{id}/config) and the agent validates what arrives on
    its config topic with it again (edge_agent/remote_config.py). AgentSettings inherits these fields, so
    each is defined once. The broker connection, identity, credentials and storage are not here: no remote
    message can change them. Source options that name files, programs or devices, hold credentials or decide
    where credentials are sent are local-only (LOCAL_ONLY_KEYS)."""

    interval_s: float = Field(1.0, gt=0, le=3600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    sources: SourcesSettings = SourcesSettings()


def _local_only_keys() -> frozenset[str]:
    """Dotted keys inside RemoteConfig that only the gateway's own file may set: every file (a Path field), every
    secret (repr=False) and username, and every field declared LOCAL_ONLY (a program to run, a device to open,
    what decides where a source's credentials go or how they are protected). Derived from the model, so a
    source added later, or one that reuses another's settings, is covered without anyone remembering a list."""
    named: set[str] = set()
    for source, section in SourcesSettings.model_fields.items():
        model = section.annotation
        for name, field in getattr(model, "model_fields", {}).items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            if "Path" in str(field.annotation) or field.repr is False or name == "username" or extra.get("local_only"):
                named.add(f"sources.{source}.{name}")
    return frozenset(named)


LOCAL_ONLY_KEYS = _local_only_keys()


def _check_remote_key(value: str) -> str:
    node: Any = RemoteConfig
    for part in value.split("."):
        fields = getattr(node, "model_fields", None)
        if not fields or part not in fields:
            raise ValueError(f"{value!r} is not a remotely settable key (e.g. interval_s, sources.probe.targets)")
        node = fields[part].annotation
    return value


class RemoteSettings(_Section):
    """[agent.remote]: what the gateway's own file allows the registry's remote configuration to do."""

    enabled: bool = True  # false: the agent does not subscribe to its config topic
    # Dotted keys of RemoteConfig the remote configuration may not change (e.g. "sources.probe.targets", or
    # "sources" for every source): a remote configuration that sets one to another value is rejected.
    pinned: list[Annotated[str, AfterValidator(_check_remote_key)]] = []


class AgentSettings(RemoteConfig, I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_AGENT_", extra="forbid", env_nested_delimiter="__")
    config_section: ClassVar[str | None] = "agent"

    gateway_id: GatewayId
    # interval_s, log_level and sources: RemoteConfig.
    state_dir: Path = Path("/var/lib/i5g-agent")  # the spool lives here (systemd StateDirectory=)
    status_interval_s: float = Field(60.0, gt=0)  # how often a status with `dropped` may be republished
    # When the wall clock may stamp samples (edge_agent/clock.py): auto, kernel, file or trust.
    clock_sync: Literal["auto", "kernel", "file", "trust"] = "auto"
    clock_synced_file: Path = TIMESYNCD_MARKER
    mqtt: MqttSettings = MqttSettings()
    spool: SpoolSettings = SpoolSettings()
    remote: RemoteSettings = RemoteSettings()

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
            mqtt["password"] = _first_password(self.mqtt.password_file, "agent.mqtt.password_file")
        opcua = self.sources.opcua
        if opcua.enabled and opcua.password_file is not None:
            sources["opcua"]["password"] = _first_password(opcua.password_file, "agent.sources.opcua.password_file")
        if mqtt["username"] is None:
            mqtt["username"] = contract.broker_username(self.gateway_id) if mqtt["password"] else None
        # What a remote configuration is laid over (edge_agent/remote_config.py merge_stored and the runtime).
        data["remote"].update(local={key: data[key] for key in RemoteConfig.model_fields}, applied_version=None)
        data["config_hash"] = config_hash(data)
        return data


def _first_password(path: Path, key: str) -> str:
    """One password per line (a rotated one may be added below the current one): the first is used."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise SettingsError(f"{key}: cannot read {exc.filename}: {exc.strerror}") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else ""


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


# ----------------------------------------------------------------------------------- remote configuration
# A remote document is partial: it names only the keys it sets, laid over the gateway's local configuration
# (dicts merge key by key, lists and values replace). The registry checks it with check_document before it
# stores and publishes it; the agent with effective() (edge_agent/remote_config.py) before it applies it.

REMOTE_KEYS = tuple(RemoteConfig.model_fields)


class RemoteConfigError(ValueError):
    """Why a remote configuration is refused (reported on the status topic and shown by the registry)."""


def _reason(text: str) -> RemoteConfigError:
    return RemoteConfigError(text[: contract.MAX_CONFIG_REASON_CHARS])


def _dotted(document: dict[str, Any], prefix: str = "", depth: int = 3) -> Iterable[str]:
    """Dotted keys of nested dicts, down to `depth` levels (the local-only keys are 3 deep: the walk stays
    bounded whatever the document's nesting)."""
    for key, value in document.items():
        path = f"{prefix}{key}"
        yield path
        if isinstance(value, dict) and depth > 1:
            yield from _dotted(value, f"{path}.", depth - 1)


def _lookup(document: dict[str, Any], dotted: str) -> tuple[bool, Any]:
    node: Any = document
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _errors(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(item) for item in error["loc"]) or "config"
        message = "unknown key (not settable here)" if error["type"] == "extra_forbidden" else error["msg"]
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def check_document(document: object) -> dict[str, Any]:
    """The document as the registry stores it (only the keys it sets, normalised), or RemoteConfigError."""
    if not isinstance(document, dict):
        raise _reason("the configuration must be a JSON object")
    for key in document:
        if key in AgentSettings.model_fields and key not in REMOTE_KEYS:
            raise _reason(
                f"{key}: may only be set in the gateway's own configuration file; remote configuration cannot "
                "change the broker connection, the identity, the credentials or the storage"
            )
    for dotted in _dotted(document):  # before the model, so the reason names the key, not a consequence
        if dotted in LOCAL_ONLY_KEYS:
            raise _reason(
                f"{dotted}: names a file, program or device, or concerns credentials, on the gateway; only its own "
                "configuration file may set it"
            )
    try:
        return RemoteConfig.model_validate(document).model_dump(mode="json", exclude_unset=True)
    except ValidationError as exc:
        raise _reason(_errors(exc)) from None


def effective(
    document: object, local: dict[str, Any], pinned: Iterable[str] = (), probe_default: str | None = None
) -> dict[str, Any]:
    """The remotely settable part of the agent's config once `document` is laid over `local` (the same keys,
    as resolved from the gateway's file): {"interval_s", "log_level", "sources"}; RemoteConfigError if the
    document is invalid, changes a key the gateway pinned, or leaves no source enabled."""
    checked = check_document(document)
    merged = _merge({key: local[key] for key in REMOTE_KEYS}, checked)
    try:
        result = RemoteConfig.model_validate(merged).model_dump(mode="json")
    except ValidationError as exc:
        raise _reason(_errors(exc)) from None
    for key in pinned:
        if _lookup(result, key)[1] != _lookup(local, key)[1]:
            raise _reason(f"{key}: pinned by the gateway's own configuration file ([agent.remote] pinned)")
    sources = result["sources"]
    if not any(section["enabled"] for section in sources.values()):
        raise _reason("sources: no source would be enabled, so the agent would publish nothing")
    if not sources["probe"]["targets"] and probe_default:
        sources["probe"]["targets"] = [probe_default]
    return result
