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

# Limits the collector enforces and the agent respects when it batches.
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_SAMPLES_PER_MESSAGE = 500
MAX_FUTURE_SKEW_MS = 5 * 60 * 1000  # a gateway clock may run ahead by this much
MAX_SAMPLE_AGE_MS = 30 * 24 * 3600 * 1000  # a spool may hold samples this old and still deliver them
MAX_CTX_VALUE_CHARS = 64


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


def gateway_topics(gateway_id: str) -> tuple[str, str]:
    """Every topic one gateway may publish to (its broker ACL allows exactly these)."""
    return telemetry_topic(gateway_id), status_topic(gateway_id)


def gateway_topic_filter(gateway_id: str) -> str:
    """One gateway's whole subtree (a gateway may publish only to `gateway_topics`, never elsewhere in it)."""
    return f"{TOPIC_ROOT}/{gateway_id}/#"


TELEMETRY_SUBSCRIPTION = f"{TOPIC_ROOT}/+/telemetry"
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
    ts: int  # unix epoch milliseconds
    seq: int  # per gateway, strictly increasing across restarts
    kpis: dict[str, float]
    ctx: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"ts": self.ts, "seq": self.seq, "kpis": self.kpis}
        if self.ctx:
            item["ctx"] = self.ctx
        return item


def encode_telemetry(gateway_id: str, samples: list[Sample] | list[dict[str, Any]]) -> bytes:
    """The telemetry payload for one message (one sample, or a batch when a spool drains)."""
    items = [s.to_json() if isinstance(s, Sample) else s for s in samples]
    body = {"v": CONTRACT_VERSION, "gw": gateway_id, "samples": items}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


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
) -> bytes:
    """Birth (online) and last-will (offline) messages on the retained status topic."""
    body: dict[str, Any] = {"v": CONTRACT_VERSION, "gw": gateway_id, "online": online}
    optional = {
        "agent_version": agent_version,
        "sources": sources,
        "config_hash": config_hash,
        "started_at": started_at,
        "ts": ts,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    if dropped:
        body["dropped"] = dropped  # samples the spool dropped (full or too old) since the last status
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


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
KPI_TAGS = ("gateway", "use_case", "scenario", "enterprise", "city", "industry")

# Fields of `kpi` besides the KPI values themselves and the ctx strings (field name = KPI name / ctx key).
FIELD_SEQ = "seq"  # integer: the sample's seq, so loss can be counted per gateway
FIELD_SLA_OK = "sla_ok"  # bool: every bound of the scenario's profile that this sample could be checked against held
FIELD_SLA_VIOLATIONS = "sla_violations"  # integer: how many bounds this sample violated


def sla_flag_field(kpi_name: str) -> str:
    """Per-KPI flag written where the scenario has a bound on that KPI: true = within bound."""
    return f"{kpi_name}_ok"


# `gateway_status`: tags KPI_TAGS; fields online (bool), dropped (integer), agent_version (string).
# `dead_letter`: tags reason and gateway ("unknown" when the topic names none); fields count (integer: the
#   samples the record stands for, 1 for a whole bad message), detail (string), topic (string).
# `collector`: tag replica; fields received, written, dead_lettered, redelivered (integer counters),
#   write_latency_ms and lag_ms (float).

# Site coordinates on `gateway_status` (float fields, WGS84 degrees), copied from the registry's gateway
# location with every status point when the registry has one; the dashboards' geomap reads them from here.
FIELD_LAT = "lat"
FIELD_LON = "lon"
# dead_letter: stamped when the message first arrived; the rejected sample's own ts (when it had one) is a field.
FIELD_DEAD_LETTER_SAMPLE_TS = "sample_ts"
