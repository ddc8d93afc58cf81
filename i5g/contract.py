"""The telemetry contract: topic layout, payload shape, KPI names, units and valid ranges.

This is the only place these are defined. The edge agent builds payloads with `encode_telemetry`, the
collector checks them against `KPIS` and the limits below (collector/validate.py), the dashboards name
fields from `KPIS`, and the tests import all of it. docs/telemetry.md describes it for people and
`payload_json_schema()` for machines (published as docs/telemetry.schema.json).

Standard library only: the agent imports this on a Raspberry Pi.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

CONTRACT_VERSION = 1
TOPIC_ROOT = f"i5g/v{CONTRACT_VERSION}"

# Gateway ids are slugs: lowercase letters, digits and inner hyphens, 3 to 64 characters. They are MQTT
# client ids, broker usernames and topic levels, so nothing that MQTT treats specially may appear.
GATEWAY_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$"
_GATEWAY_ID_RE = re.compile(GATEWAY_ID_PATTERN)

TELEMETRY_QOS = 1
STATUS_QOS = 1
CONFIG_QOS = 1

# Limits the collector enforces and the agent respects when it batches.
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_SAMPLES_PER_MESSAGE = 500
MAX_FUTURE_SKEW_MS = 5 * 60 * 1000  # a gateway clock may run ahead by this much
MAX_SAMPLE_AGE_MS = 30 * 24 * 3600 * 1000  # a spool may hold samples this old and still deliver them
MAX_CTX_VALUE_CHARS = 64
# Remote agent configuration: the largest config message an agent reads (bigger ones are rejected unread),
# and the longest rejection reason it reports on its status topic.
MAX_CONFIG_BYTES = 16 * 1024
MAX_CONFIG_REASON_CHARS = 500


# Broker accounts of gateways live in their own namespace: username (and pinned MQTT client id) = this prefix +
# gateway id. "." never occurs in a gateway id and no service account may start with the prefix
# (registry.broker.settings refuses it), so no gateway id can ever name the collector's or the admin's account.
GATEWAY_USERNAME_PREFIX = "gw."
# Service names (broker accounts, roles, client ids of the collector and the admin tools) all start with
# "i5g-"; a gateway id may not, nor be one of the few names brokers and tools treat as special.
RESERVED_GATEWAY_ID_PREFIX = "i5g-"
RESERVED_GATEWAY_IDS = frozenset({"admin", "anonymous", "mosquitto", "root", "collector", "registry"})


def is_gateway_id(value: object) -> bool:
    return isinstance(value, str) and bool(_GATEWAY_ID_RE.match(value))


def is_reserved_gateway_id(value: str) -> bool:
    """An id the pattern admits but that belongs to the platform's own services."""
    return value.startswith(RESERVED_GATEWAY_ID_PREFIX) or value in RESERVED_GATEWAY_IDS


def broker_username(gateway_id: str) -> str:
    """The gateway's MQTT username and client id (topics keep the plain gateway id)."""
    return f"{GATEWAY_USERNAME_PREFIX}{gateway_id}"


def gateway_of_username(username: str) -> str | None:
    """The gateway id a broker username belongs to; None for any account outside the gateway namespace."""
    if not username.startswith(GATEWAY_USERNAME_PREFIX):
        return None
    gateway_id = username[len(GATEWAY_USERNAME_PREFIX) :]
    return gateway_id if is_gateway_id(gateway_id) else None


def telemetry_topic(gateway_id: str) -> str:
    return f"{TOPIC_ROOT}/{gateway_id}/telemetry"


def status_topic(gateway_id: str) -> str:
    return f"{TOPIC_ROOT}/{gateway_id}/status"


def config_topic(gateway_id: str) -> str:
    """The gateway's desired agent configuration: retained, published by the registry only; the gateway may
    subscribe to and receive exactly this topic of its own and publish nothing to it."""
    return f"{TOPIC_ROOT}/{gateway_id}/config"


def gateway_topics(gateway_id: str) -> tuple[str, str]:
    """Every topic one gateway may publish to (its broker ACL allows exactly these)."""
    return telemetry_topic(gateway_id), status_topic(gateway_id)


def gateway_topic_filter(gateway_id: str) -> str:
    """One gateway's whole subtree (a gateway may publish only to `gateway_topics`, never elsewhere in it)."""
    return f"{TOPIC_ROOT}/{gateway_id}/#"


TELEMETRY_SUBSCRIPTION = f"{TOPIC_ROOT}/+/telemetry"
CONFIG_TOPICS = f"{TOPIC_ROOT}/+/config"  # every gateway's config topic: only the registry publishes there
STATUS_SUBSCRIPTION = f"{TOPIC_ROOT}/+/status"


def shared_subscription(group: str, topic_filter: str = TELEMETRY_SUBSCRIPTION) -> str:
    return f"$share/{group}/{topic_filter}"


TopicKind = Literal["telemetry", "status"]


def parse_topic(topic: str) -> tuple[str, TopicKind] | None:
    """`i5g/v1/<gw>/telemetry` -> (gw, "telemetry"); None for anything outside the contract."""
    parts = topic.split("/")
    if len(parts) != 4 or f"{parts[0]}/{parts[1]}" != TOPIC_ROOT:
        return None
    gateway_id, kind = parts[2], parts[3]
    if not is_gateway_id(gateway_id) or kind not in ("telemetry", "status"):
        return None
    return gateway_id, kind  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------- Sparkplug B
# Existing edge nodes (Ignition Edge, Kura, PLC gateways) publish Sparkplug B 3.0 (spBv1.0) instead of our
# payload. A registered gateway may be declared one such edge node (group id + edge node id, registry domain
# registry/sparkplug); the collector maps its metrics to the KPIs above (collector/sparkplug.py, docs/interop.md).

SPARKPLUG_NAMESPACE = "spBv1.0"
SPARKPLUG_QOS = 1
# Group, edge node and device ids become topic levels and broker ACL topics: no MQTT wildcard or separator,
# nothing that is not printable. Letters, digits, space, '.', '_' and '-' cover Ignition's and Kura's defaults.
SPARKPLUG_ID_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9._-])?$"
_SPARKPLUG_ID_RE = re.compile(SPARKPLUG_ID_PATTERN)
SPARKPLUG_RESERVED_GROUPS = frozenset({"STATE"})  # spBv1.0/STATE/<host id> is the host applications' topic
SPARKPLUG_NODE_TYPES = ("NBIRTH", "NDEATH", "NDATA")
SPARKPLUG_DEVICE_TYPES = ("DBIRTH", "DDEATH", "DDATA")
SPARKPLUG_REBIRTH_METRIC = "Node Control/Rebirth"
SPARKPLUG_BDSEQ_METRIC = "bdSeq"
# Births and deaths are read by every collector replica (like status): each keeps the aliases and the online
# picture. Data goes through the shared subscription, so every NDATA/DDATA is stored by one replica.
SPARKPLUG_LIFECYCLE_SUBSCRIPTIONS = tuple(
    f"{SPARKPLUG_NAMESPACE}/+/{kind}/+{'/+' if kind.startswith('D') else ''}"
    for kind in ("NBIRTH", "NDEATH", "DBIRTH", "DDEATH")
)
SPARKPLUG_DATA_SUBSCRIPTIONS = (f"{SPARKPLUG_NAMESPACE}/+/NDATA/+", f"{SPARKPLUG_NAMESPACE}/+/DDATA/+/+")


def is_sparkplug_id(value: object) -> bool:
    return isinstance(value, str) and bool(_SPARKPLUG_ID_RE.match(value))


@dataclass(frozen=True)
class SparkplugTopic:
    """A parsed Sparkplug B topic: spBv1.0/<group>/<kind>/<node>[/<device>]."""

    group: str
    kind: str  # NBIRTH, NDATA, ..., NCMD, DCMD
    node: str
    device: str | None = None


def parse_sparkplug_topic(topic: str) -> SparkplugTopic | None:
    """`spBv1.0/<group>/<type>/<node>[/<device>]` -> its parts; None for anything else (STATE included)."""
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[0] != SPARKPLUG_NAMESPACE:
        return None
    group, kind, node = parts[1], parts[2], parts[3]
    device = parts[4] if len(parts) == 5 else None
    expected = (*SPARKPLUG_DEVICE_TYPES, "DCMD") if device is not None else (*SPARKPLUG_NODE_TYPES, "NCMD")
    if kind not in expected or not all(is_sparkplug_id(part) for part in (group, node, device or node)):
        return None
    return SparkplugTopic(group, kind, node, device)


def sparkplug_node_topic(group: str, kind: str, node: str, device: str | None = None) -> str:
    return f"{SPARKPLUG_NAMESPACE}/{group}/{kind}/{node}" + (f"/{device}" if device is not None else "")


# --------------------------------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class Kpi:
    """One KPI of the contract: name, unit, the range a valid value lies in, its group, whether it is an integer."""

    name: str
    unit: str
    minimum: float
    maximum: float
    description: str
    group: str
    integer: bool = False


def _kpis(*items: Kpi) -> dict[str, Kpi]:
    return {item.name: item for item in items}


# Radio ranges are the 3GPP reporting ranges: NR SS-RSRP -156..-31 dBm, SS-RSRQ -43..20 dB, SS-SINR -23..40 dB
# (TS 38.133 §10.1.6/10.1.11/10.1.16); LTE RSRP -140..-44 dBm and RSRQ -19.5..-3 dB fall inside them.
KPIS: dict[str, Kpi] = _kpis(
    # network
    Kpi("rtt_ms", "ms", 0, 60_000, "round-trip time to the probe target", "network"),
    Kpi("jitter_ms", "ms", 0, 60_000, "mean absolute difference of consecutive RTTs (RFC 3550 style)", "network"),
    Kpi("loss_pct", "%", 0, 100, "probe packets or connects lost", "network"),
    Kpi("ul_mbps", "Mbit/s", 0, 100_000, "uplink data rate", "network"),
    Kpi("dl_mbps", "Mbit/s", 0, 100_000, "downlink data rate", "network"),
    # radio
    Kpi("rsrp_dbm", "dBm", -156, -31, "reference signal received power (SS-RSRP on NR)", "radio"),
    Kpi("rsrq_db", "dB", -43, 20, "reference signal received quality", "radio"),
    Kpi("sinr_db", "dB", -23, 40, "signal to interference plus noise ratio (SNR where the modem reports SNR)", "radio"),
    Kpi("pci", "", 0, 1007, "physical cell id of the serving cell", "radio", integer=True),
    Kpi(
        "arfcn", "", 0, 3_279_165, "absolute radio frequency channel number of the serving cell", "radio", integer=True
    ),
    # host
    Kpi("cpu_pct", "%", 0, 100, "CPU utilisation of the gateway", "host"),
    Kpi("mem_pct", "%", 0, 100, "memory in use on the gateway", "host"),
    Kpi("disk_pct", "%", 0, 100, "disk in use on the gateway's data filesystem", "host"),
    Kpi("temp_c", "°C", -40, 125, "SoC temperature", "host"),
    Kpi("net_rx_mbps", "Mbit/s", 0, 100_000, "bytes received on the gateway's interfaces", "host"),
    Kpi("net_tx_mbps", "Mbit/s", 0, 100_000, "bytes sent on the gateway's interfaces", "host"),
    # scenario-specific
    Kpi("agv_pos_err_cm", "cm", 0, 10_000, "AGV positioning error against the planned path", "scenario"),
    Kpi("agv_speed_mps", "m/s", 0, 20, "AGV speed", "scenario"),
    Kpi("vision_fps", "frame/s", 0, 10_000, "machine-vision camera frame rate delivered", "scenario"),
    Kpi("vision_infer_ms", "ms", 0, 60_000, "machine-vision inference latency per frame", "scenario"),
    Kpi("vision_defect_pct", "%", 0, 100, "share of inspected parts flagged as defective", "scenario"),
    Kpi("ctrl_loop_ms", "ms", 0, 60_000, "remote-control command-to-feedback loop latency", "scenario"),
    Kpi("sensor_pps", "point/s", 0, 10_000_000, "data-collection sensor points delivered per second", "scenario"),
    Kpi(
        "video_mbps", "Mbit/s", 0, 100_000, "video stream uplink rate (surveillance, AR, inspection robot)", "scenario"
    ),
    Kpi("twin_sync_ms", "ms", 0, 600_000, "digital-twin state synchronisation delay", "scenario"),
)


def kpi_group(group: str) -> tuple[str, ...]:
    """The KPI names of one group ("network", "radio", "host", "scenario"), in contract order."""
    return tuple(kpi.name for kpi in KPIS.values() if kpi.group == group)


NETWORK_KPIS = kpi_group("network")  # what every gateway's probe reports, whatever its scenario
RADIO_SIGNAL_KPIS = ("rsrp_dbm", "rsrq_db", "sinr_db")  # the radio group without the cell identity (pci, arfcn)

# Radio context: short strings that describe the serving cell. Stored as fields, never as tags (cardinality).
CTX_KEYS: dict[str, str] = {
    "rat": "radio access technology: NR5G-SA, NR5G-NSA, LTE, WCDMA ...",
    "band": "band of the serving cell, e.g. n78 or B3",
    "cell_id": "serving cell id (hex as the modem prints it)",
    "operator": "PLMN as MCC-MNC, e.g. 460-00",
    "service": "modem service state: none (searching), limited (camped, not registered), idle, connected",
    "anchor_band": "EN-DC: band of the LTE anchor (the NR values are the NR5G-NSA leg's)",
    "anchor_cell_id": "EN-DC: cell id of the LTE anchor",
}


# ------------------------------------------------------------------------------------------------ payload


@dataclass(frozen=True)
class Sample:
    """One sample of a gateway: when, its sequence number, KPI values and radio context."""

    ts: int  # unix epoch milliseconds
    seq: int  # per gateway, strictly increasing across restarts
    kpis: dict[str, float]
    ctx: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"ts": self.ts, "seq": self.seq, "kpis": self.kpis}
        if self.ctx:
            item["ctx"] = self.ctx
        return item


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_sample(sample: Sample) -> str:
    """One item of a telemetry message's `samples`, as JSON text. The agent's spool stores samples in this form,
    so a draining batch is assembled by `encode_telemetry_batch` without decoding and re-encoding them."""
    return _compact(sample.to_json())


def decode_sample(text: str) -> Sample:
    """The inverse of `encode_sample` for text this code wrote (the collector validates untrusted payloads)."""
    item = json.loads(text)
    return Sample(item["ts"], item["seq"], item["kpis"], item.get("ctx") or {})


def encode_telemetry_batch(gateway_id: str, encoded_samples: Sequence[str]) -> bytes:
    """The telemetry payload around samples already encoded by `encode_sample`."""
    head = _compact({"v": CONTRACT_VERSION, "gw": gateway_id})[:-1]
    return f'{head},"samples":[{",".join(encoded_samples)}]}}'.encode()


def encode_telemetry(gateway_id: str, samples: list[Sample] | list[dict[str, Any]]) -> bytes:
    """The telemetry payload for one message (one sample, or a batch when a spool drains)."""
    items = [s.to_json() if isinstance(s, Sample) else s for s in samples]
    return encode_telemetry_batch(gateway_id, [_compact(item) for item in items])


def encode_status(
    gateway_id: str,
    online: bool,
    *,
    agent_version: str | None = None,
    sources: list[str] | None = None,
    config_hash: str | None = None,
    started_at: int | None = None,
    dropped: int = 0,
    ts: int | None = None,
    problems: dict[str, str] | None = None,
    applied_version: int | None = None,
    config_rejected: dict[str, Any] | None = None,
) -> bytes:
    """Birth (online) and last-will (offline) messages on the retained status topic.

    `problems`: "<source> <item>" -> reason for items of a running source that give no value (an OPC UA node
    the server refuses: "opcua ns=2;s=Line1.Speed" -> "BadNodeIdUnknown"); for people, omitted when empty.
    applied_version: the version of the remote configuration (`config_topic`) the agent runs; config_rejected:
    {"version": N, "reason": "..."} for the last one it refused (it keeps running on the applied one)."""
    body: dict[str, Any] = {"v": CONTRACT_VERSION, "gw": gateway_id, "online": online}
    optional = {
        "agent_version": agent_version,
        "sources": sources,
        "config_hash": config_hash,
        "started_at": started_at,
        "ts": ts,
        "applied_version": applied_version,
        "config_rejected": config_rejected,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    if dropped:
        body["dropped"] = dropped  # samples the spool dropped (full or too old) since the last status
    if problems:
        body["problems"] = problems
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_config(gateway_id: str, version: int, config: dict[str, Any]) -> bytes:
    """The retained message on `config_topic`: the remotely set part of the agent's configuration (keys of
    edge_agent.settings.RemoteConfig, only those the registry sets) and its version."""
    body = {"v": CONTRACT_VERSION, "gw": gateway_id, "version": version, "config": config}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def payload_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the telemetry payload, generated from KPIS so it cannot drift."""
    kpi_properties = {
        kpi.name: {
            "type": "integer" if kpi.integer else "number",
            "minimum": kpi.minimum,
            "maximum": kpi.maximum,
            "description": f"{kpi.description} [{kpi.unit}]" if kpi.unit else kpi.description,
        }
        for kpi in KPIS.values()
    }
    ctx_properties = {
        key: {"type": "string", "maxLength": MAX_CTX_VALUE_CHARS, "description": text} for key, text in CTX_KEYS.items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://industrial5g.example/schemas/telemetry-v1.json",
        "title": "i5g telemetry payload v1",
        "type": "object",
        "required": ["v", "gw", "samples"],
        "additionalProperties": False,
        "properties": {
            "v": {"const": CONTRACT_VERSION},
            "gw": {"type": "string", "pattern": GATEWAY_ID_PATTERN},
            "samples": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_SAMPLES_PER_MESSAGE,
                "items": {
                    "type": "object",
                    "required": ["ts", "seq", "kpis"],
                    "additionalProperties": False,
                    "properties": {
                        "ts": {"type": "integer", "minimum": 0, "description": "unix epoch milliseconds"},
                        "seq": {"type": "integer", "minimum": 0},
                        "kpis": {
                            "type": "object",
                            "minProperties": 1,
                            "additionalProperties": False,
                            "properties": kpi_properties,
                        },
                        "ctx": {"type": "object", "additionalProperties": False, "properties": ctx_properties},
                    },
                },
            },
        },
    }


# ------------------------------------------------------------------------------- storage schema (InfluxDB)
# What the collector writes and the dashboards query. docs/telemetry.md describes it.

DATABASE_DEFAULT = "i5g"  # InfluxDB 1.x database / 2.x-3.x bucket (with a DBRP mapping for InfluxQL)

MEASUREMENT_KPI = "kpi"
MEASUREMENT_GATEWAY_STATUS = "gateway_status"
MEASUREMENT_DEAD_LETTER = "dead_letter"
MEASUREMENT_COLLECTOR = "collector"

# Tags of `kpi` (and of `gateway_status`): registry metadata the collector adds to every sample.
# use_case is the registry's use-case id as a string; enterprise, city and industry are names as registered.
TAG_GATEWAY = "gateway"
TAG_USE_CASE = "use_case"
TAG_SCENARIO = "scenario"
TAG_ENTERPRISE = "enterprise"
TAG_CITY = "city"
TAG_INDUSTRY = "industry"
KPI_TAGS = (TAG_GATEWAY, TAG_USE_CASE, TAG_SCENARIO, TAG_ENTERPRISE, TAG_CITY, TAG_INDUSTRY)

# Fields of `kpi` besides the KPI values themselves and the ctx strings (field name = KPI name / ctx key).
FIELD_SEQ = "seq"  # integer: the sample's seq, so loss can be counted per gateway
FIELD_SLA_OK = "sla_ok"  # bool: every bound of the scenario's profile that this sample could be checked against held
FIELD_SLA_VIOLATIONS = "sla_violations"  # integer: how many bounds this sample violated


def sla_flag_field(kpi_name: str) -> str:
    """Per-KPI flag written where the scenario has a bound on that KPI: true = within bound."""
    return f"{kpi_name}_ok"


# `gateway_status`: tags KPI_TAGS; the agent's last status report.
FIELD_ONLINE = "online"  # bool
FIELD_DROPPED = "dropped"  # integer: samples the agent's spool had to drop (oldest first) so far
FIELD_AGENT_VERSION = "agent_version"  # string
# Site coordinates (float fields, WGS84 degrees), copied from the registry's gateway location with every status
# point when the registry has one; the dashboards' geomap reads them from here.
FIELD_LAT = "lat"
FIELD_LON = "lon"
GATEWAY_STATUS_FIELDS = (FIELD_ONLINE, FIELD_DROPPED, FIELD_AGENT_VERSION, FIELD_LAT, FIELD_LON)

# `dead_letter`: stamped when the message first arrived, so it shows where operators look.
TAG_REASON = "reason"
UNKNOWN_GATEWAY = "unknown"  # the gateway tag of a dead letter whose topic names no gateway
DEAD_LETTER_TAGS = (TAG_GATEWAY, TAG_REASON)
FIELD_COUNT = "count"  # integer: the samples the record stands for, 1 for a whole bad message
FIELD_DETAIL = "detail"  # string: what was wrong, for people
FIELD_TOPIC = "topic"  # string
FIELD_DEAD_LETTER_SAMPLE_TS = "sample_ts"  # integer: the rejected sample's own ts (when it had one)
FIELD_DEAD_LETTER_KEY = "key"  # string: the message hash that keeps the arrival time stable under redelivery
DEAD_LETTER_FIELDS = (FIELD_COUNT, FIELD_DETAIL, FIELD_TOPIC, FIELD_DEAD_LETTER_SAMPLE_TS, FIELD_DEAD_LETTER_KEY)

# `collector`: one point per replica and interval with its own counters (integer, since start) and gauges.
TAG_REPLICA = "replica"
COLLECTOR_COUNTERS: dict[str, str] = {
    "received": "MQTT messages received (telemetry and status)",
    "written": "points written to InfluxDB (kpi and gateway_status)",
    "dead_lettered": "messages or samples rejected and recorded in dead_letter",
    "redelivered": "messages the broker delivered again (MQTT DUP flag)",
    "acked": "MQTT messages acknowledged after their points were stored",
    "write_batches": "batches written to InfluxDB",
    "write_retries": "failed InfluxDB write attempts that were retried",
}
FIELD_WRITE_LATENCY_MS = "write_latency_ms"  # float: duration of the last batch write, retries included
FIELD_LAG_MS = "lag_ms"  # float: largest (written - sample ts) of the last batch
COLLECTOR_FIELDS = (*COLLECTOR_COUNTERS, FIELD_WRITE_LATENCY_MS, FIELD_LAG_MS)


# Evidence rollups (registry/evidence/ writes them, docs/evidence.md "Rollups"): one row per use case, gateway and
# minute, in their own retention policy. Named here because Grafana's availability alert rule reads them
# (dashboards/alerting.py) and the dashboards may import only the kernel.
ROLLUP_RETENTION_POLICY = "i5g_rollup"  # the default of I5G_EVIDENCE_ROLLUP_RETENTION_POLICY
MEASUREMENT_KPI_1M = "kpi_1m"
FIELD_AVAILABLE_MS = "avail_ms"  # integer: ms of the minute the gateway's service was available (TS 22.104)


def kpi_fields() -> frozenset[str]:
    """Every field a `kpi` point may carry: KPI values, seq, the SLA flags and the ctx strings."""
    return frozenset(
        {*KPIS, FIELD_SEQ, FIELD_SLA_OK, FIELD_SLA_VIOLATIONS, *(sla_flag_field(name) for name in KPIS), *CTX_KEYS}
    )


def declared_schema() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """measurement -> (tag keys, field keys): the whole storage schema, which writer, dashboards, evidence and
    tests must stay inside (tests/test_contract_schema.py)."""
    return {
        MEASUREMENT_KPI: (frozenset(KPI_TAGS), kpi_fields()),
        MEASUREMENT_GATEWAY_STATUS: (frozenset(KPI_TAGS), frozenset(GATEWAY_STATUS_FIELDS)),
        MEASUREMENT_DEAD_LETTER: (frozenset(DEAD_LETTER_TAGS), frozenset(DEAD_LETTER_FIELDS)),
        MEASUREMENT_COLLECTOR: (frozenset({TAG_REPLICA}), frozenset(COLLECTOR_FIELDS)),
    }
