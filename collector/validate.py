"""Decode and check one MQTT message against the telemetry contract.

Pure functions: bytes in, good samples and rejections out. They never raise (the reliability suite fuzzes
them), never log and never look at a clock: `now_ms` is passed in. A bad sample is rejected on its own so
its good neighbours in the same message still get written; a bad message (framing, JSON, envelope) is
rejected as a whole.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from i5g.contract import (
    CONTRACT_VERSION,
    CTX_KEYS,
    KPIS,
    MAX_CONFIG_REASON_CHARS,
    MAX_CTX_VALUE_CHARS,
    MAX_FUTURE_SKEW_MS,
    MAX_PAYLOAD_BYTES,
    MAX_SAMPLE_AGE_MS,
    MAX_SAMPLES_PER_MESSAGE,
    UNKNOWN_GATEWAY,
    parse_topic,
)

MAX_INT64 = 2**63 - 1  # InfluxDB integer fields are signed 64-bit
MAX_INT32 = 2**31 - 1  # a configuration version (the registry's integer column)


class Reason:
    """Dead-letter reasons: the `reason` tag of the `dead_letter` measurement (docs/telemetry.md)."""

    TOPIC = "bad_topic"  # not i5g/v1/<gw>/telemetry|status
    OVERSIZED = "oversized"  # payload larger than MAX_PAYLOAD_BYTES
    ENCODING = "not_utf8"
    JSON = "bad_json"  # not JSON, or NaN/Infinity, or nesting too deep
    DUPLICATE_KEY = "duplicate_key"
    ENVELOPE = "bad_envelope"  # wrong shape or types outside the samples
    VERSION = "bad_version"
    GATEWAY_MISMATCH = "gateway_mismatch"  # "gw" differs from the topic's gateway
    TOO_MANY_SAMPLES = "too_many_samples"
    SAMPLE = "bad_sample"  # a sample that is not an object with ts, seq, kpis (and ctx)
    TIMESTAMP = "bad_ts"
    FUTURE = "ts_in_future"
    TOO_OLD = "ts_too_old"
    SEQ = "bad_seq"
    DUPLICATE_TS = "duplicate_ts"  # two samples of one message with the same ts would overwrite each other
    UNKNOWN_KPI = "unknown_kpi"
    KPI_TYPE = "bad_kpi_type"
    KPI_RANGE = "kpi_out_of_range"
    CTX = "bad_ctx"
    STATUS = "bad_status"
    UNKNOWN_GATEWAY = "unknown_gateway"  # not in the registry directory (collector/enrich.py)
    REFUSED = "refused_by_influxdb"  # InfluxDB rejected the line itself (e.g. a field type conflict)
    INTERNAL = "internal_error"  # a bug in this module; the message is still dead-lettered, never lost silently
    # Sparkplug B (collector/sparkplug.py, docs/interop.md)
    PROTOBUF = "bad_protobuf"  # not a Sparkplug B protobuf payload
    SPARKPLUG_NO_BIRTH = "sparkplug_no_birth"  # data or a device birth from a node whose NBIRTH we do not have
    SPARKPLUG_BIRTH = "sparkplug_bad_birth"  # a birth without bdSeq, or a metric without name
    SPARKPLUG_SEQ = "sparkplug_seq_gap"  # seq is not the previous one + 1 (mod 256): a message lost or reordered
    SPARKPLUG_BDSEQ = "sparkplug_bdseq_mismatch"  # a death whose bdSeq is not the live session's
    SPARKPLUG_ALIAS = "sparkplug_unknown_alias"  # an alias the node's births never defined
    SPARKPLUG_METRIC = "sparkplug_bad_metric"  # a mapped metric whose value is not a usable number


class GoodSample(NamedTuple):  # tuples: built per sample, several times cheaper than frozen dataclasses
    ts: int
    seq: int
    kpis: dict[str, float | int]  # float KPIs always float, integer KPIs always int: InfluxDB field types
    ctx: dict[str, str]


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    detail: str
    ts: int | None = None  # the sample's ts when it had a usable one


class DecodedTelemetry(NamedTuple):
    gateway: str  # UNKNOWN_GATEWAY when the topic names none
    samples: tuple[GoodSample, ...]
    rejections: tuple[Rejection, ...]


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """An agent's status message (birth, last will, periodic), decoded (the registry's GatewayStatusBatch is what
    the collector reports onward)."""

    gateway: str
    online: bool
    ts: int | None
    agent_version: str | None
    dropped: int
    # Remote agent configuration (i5g.contract.encode_status): the version the agent runs, and the last one it
    # refused as (version or None, reason).
    applied_version: int | None = None
    config_rejected: tuple[int | None, str] | None = None


class _Invalid(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        dup = next(key for index, key in enumerate(keys) if key in keys[:index])
        raise _Invalid(Reason.DUPLICATE_KEY, f"duplicate key {dup[:40]!r}")
    return result


def _reject_constant(name: str) -> Any:
    raise _Invalid(Reason.JSON, f"{name} is not valid JSON")


# Built once: json.loads with hooks would construct a new decoder for every message.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _load_json(payload: bytes) -> Any:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise _Invalid(Reason.OVERSIZED, f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Invalid(Reason.ENCODING, f"invalid UTF-8 at byte {exc.start}") from None
    try:
        return _DECODER.decode(text)
    except _Invalid:
        raise
    except RecursionError:
        raise _Invalid(Reason.JSON, "nesting too deep") from None
    except ValueError as exc:  # JSONDecodeError, and ints longer than Python's digit limit
        raise _Invalid(Reason.JSON, str(exc)[:120]) from None


def _envelope(document: Any, topic_gateway: str, kind: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise _Invalid(Reason.ENVELOPE, f"{kind} payload must be a JSON object")
    version = document.get("v")
    if not _is_int(version) or version != CONTRACT_VERSION:
        raise _Invalid(Reason.VERSION, f"v must be {CONTRACT_VERSION}")
    gateway = document.get("gw")
    if gateway != topic_gateway:
        shown = gateway[:70] if isinstance(gateway, str) else type(gateway).__name__
        raise _Invalid(Reason.GATEWAY_MISMATCH, f"gw {shown!r} != topic gateway {topic_gateway!r}")
    return document


def _check_kpi(name: str, value: Any) -> float | int:
    kpi = KPIS.get(name) if isinstance(name, str) else None
    if kpi is None:
        raise _Invalid(Reason.UNKNOWN_KPI, f"unknown KPI {str(name)[:40]!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(Reason.KPI_TYPE, f"{name} must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Invalid(Reason.KPI_TYPE, f"{name} must be finite")
    if kpi.integer:
        if isinstance(value, float) and not value.is_integer():
            raise _Invalid(Reason.KPI_TYPE, f"{name} must be an integer")
        number: float | int = int(value)
    else:
        number = float(value)
    if not kpi.minimum <= number <= kpi.maximum:
        raise _Invalid(Reason.KPI_RANGE, f"{name}={number} outside [{kpi.minimum}, {kpi.maximum}]")
    return number


def _check_ts(ts: Any, now_ms: int) -> None:
    if not _is_int(ts) or ts < 0:
        raise _Invalid(Reason.TIMESTAMP, "ts must be a non-negative integer (epoch ms)")
    if ts > now_ms + MAX_FUTURE_SKEW_MS:
        raise _Invalid(Reason.FUTURE, f"ts {ts} is {ts - now_ms} ms ahead of the collector's clock")
    if ts < now_ms - MAX_SAMPLE_AGE_MS:
        raise _Invalid(Reason.TOO_OLD, f"ts {ts} is older than {MAX_SAMPLE_AGE_MS} ms")


def check_value(name: str, value: Any, ts: Any, now_ms: int) -> float | int | Rejection:
    """One KPI value from another source (Sparkplug B): the same checks as a sample's, or why it fails."""
    try:
        _check_ts(ts, now_ms)
        return _check_kpi(name, value)
    except _Invalid as exc:
        return Rejection(exc.reason, exc.detail, ts if _is_int(ts) else None)


def _is_text(value: Any, max_chars: int) -> bool:
    """A string that fits and can be stored: JSON escapes can produce lone surrogates ("\\ud800"), which no
    UTF-8 encoder accepts - one of them in a line would fail every retry of the whole batch."""
    if not isinstance(value, str) or len(value) > max_chars:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_ctx(ctx: Any) -> dict[str, str]:
    if not isinstance(ctx, dict):
        raise _Invalid(Reason.CTX, "ctx must be an object")
    for key, value in ctx.items():
        if key not in CTX_KEYS:
            raise _Invalid(Reason.CTX, f"unknown ctx key {key[:40]!r}")
        if not _is_text(value, MAX_CTX_VALUE_CHARS):
            raise _Invalid(Reason.CTX, f"ctx.{key} must be a UTF-8 string of at most {MAX_CTX_VALUE_CHARS} characters")
    return ctx


_SAMPLE_KEYS = frozenset(("ts", "seq", "kpis", "ctx"))


def _check_sample(item: Any, now_ms: int) -> GoodSample:
    if not isinstance(item, dict):
        raise _Invalid(Reason.SAMPLE, "sample must be an object")
    if "kpis" not in item or not _SAMPLE_KEYS.issuperset(item):
        extra = sorted(set(item) - _SAMPLE_KEYS)[:3]
        raise _Invalid(Reason.SAMPLE, f"sample needs ts, seq, kpis and may have ctx (extra: {extra})")
    ts, seq, kpis = item.get("ts"), item.get("seq"), item["kpis"]
    _check_ts(ts, now_ms)
    if not _is_int(seq) or not 0 <= seq <= MAX_INT64:
        raise _Invalid(Reason.SEQ, "seq must be a non-negative 64-bit integer")
    if not isinstance(kpis, dict) or not kpis:
        raise _Invalid(Reason.SAMPLE, "kpis must be a non-empty object")
    checked = {name: _check_kpi(name, value) for name, value in kpis.items()}
    ctx = _check_ctx(item["ctx"]) if "ctx" in item else {}
    return GoodSample(ts, seq, checked, ctx)


def _sample_ts(item: Any) -> int | None:
    ts = item.get("ts") if isinstance(item, dict) else None
    return ts if _is_int(ts) and 0 <= ts <= MAX_INT64 else None


def _decode_samples(document: dict[str, Any], now_ms: int) -> tuple[list[GoodSample], list[Rejection]]:
    if set(document) != {"v", "gw", "samples"}:
        raise _Invalid(Reason.ENVELOPE, "telemetry payload has exactly the keys v, gw, samples")
    items = document["samples"]
    if not isinstance(items, list) or not items:
        raise _Invalid(Reason.ENVELOPE, "samples must be a non-empty array")
    if len(items) > MAX_SAMPLES_PER_MESSAGE:
        raise _Invalid(Reason.TOO_MANY_SAMPLES, f"{len(items)} samples > {MAX_SAMPLES_PER_MESSAGE}")
    good: list[GoodSample] = []
    rejected: list[Rejection] = []
    seen_ts: set[int] = set()
    for index, item in enumerate(items):
        try:
            sample = _check_sample(item, now_ms)
            if sample.ts in seen_ts:
                raise _Invalid(Reason.DUPLICATE_TS, f"ts {sample.ts} appears twice in one message")
        except _Invalid as exc:
            rejected.append(Rejection(exc.reason, f"samples[{index}]: {exc.detail}", _sample_ts(item)))
            continue
        seen_ts.add(sample.ts)
        good.append(sample)
    return good, rejected


def decode_telemetry(topic: str, payload: bytes, now_ms: int) -> DecodedTelemetry:
    """Good samples and rejections of one telemetry message. Never raises."""
    parsed = parse_topic(topic) if isinstance(topic, str) else None
    gateway = parsed[0] if parsed else UNKNOWN_GATEWAY
    try:
        if parsed is None or parsed[1] != "telemetry":
            raise _Invalid(Reason.TOPIC, f"not a telemetry topic: {str(topic)[:100]!r}")
        document = _envelope(_load_json(bytes(payload)), gateway, "telemetry")
        good, rejected = _decode_samples(document, now_ms)
        return DecodedTelemetry(gateway, tuple(good), tuple(rejected))
    except _Invalid as exc:
        return DecodedTelemetry(gateway, (), (Rejection(exc.reason, exc.detail),))
    except Exception as exc:  # a bug here must dead-letter the message, not stall the collector
        return DecodedTelemetry(gateway, (), (Rejection(Reason.INTERNAL, f"{type(exc).__name__}: {exc}"[:200]),))


def _is_rejection(value: object) -> bool:
    if not isinstance(value, dict) or set(value) - {"version", "reason"}:
        return False
    version = value.get("version")
    version_ok = version is None or (_is_int(version) and 0 <= version <= MAX_INT32)
    return version_ok and _is_text(value.get("reason"), MAX_CONFIG_REASON_CHARS)


def _optional(document: dict[str, Any], key: str, check: Any, what: str) -> Any:
    value = document.get(key)
    if value is not None and not check(value):
        raise _Invalid(Reason.STATUS, f"{key} must be {what}")
    return value


def decode_status(topic: str, payload: bytes) -> AgentStatus | Rejection:
    """A birth/last-will status message, or why it was rejected. Never raises."""
    try:
        parsed = parse_topic(topic) if isinstance(topic, str) else None
        if parsed is None or parsed[1] != "status":
            raise _Invalid(Reason.TOPIC, f"not a status topic: {str(topic)[:100]!r}")
        document = _envelope(_load_json(bytes(payload)), parsed[0], "status")
        online = document.get("online")
        if not isinstance(online, bool):
            raise _Invalid(Reason.STATUS, "online must be true or false")
        ts = _optional(document, "ts", lambda v: _is_int(v) and 0 <= v <= MAX_INT64, "epoch milliseconds")
        version = _optional(document, "agent_version", lambda v: _is_text(v, 64), "a UTF-8 string")
        dropped = _optional(document, "dropped", lambda v: _is_int(v) and 0 <= v <= MAX_INT64, "a count")
        applied = _optional(document, "applied_version", lambda v: _is_int(v) and 0 <= v <= MAX_INT32, "a version")
        rejected = _optional(document, "config_rejected", _is_rejection, '{"version": N or null, "reason": "..."}')
        rejection = (rejected.get("version"), rejected["reason"]) if rejected else None
        return AgentStatus(parsed[0], online, ts, version, dropped or 0, applied, rejection)
    except _Invalid as exc:
        return Rejection(exc.reason, exc.detail)
    except Exception as exc:
        return Rejection(Reason.INTERNAL, f"{type(exc).__name__}: {exc}"[:200])
