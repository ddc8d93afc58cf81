"""Sparkplug B (spBv1.0) intake stage: one node session per edge node, messages in, samples and verdicts out.

The registry declares which gateway is which edge node and how its metrics map to contract KPIs (the gateway
directory, collector/enrich.py). Here, per edge node:

- NBIRTH starts a session: its bdSeq, its seq, and the name, alias and datatype of every metric; DBIRTH adds a
  device's metrics to it. A birth's values are data too and are mapped like NDATA/DDATA's.
- NDATA/DDATA must carry seq = previous + 1 (mod 256); every metric is resolved by name or by an alias a
  birth defined, mapped, checked (collector/validate.py) and grouped by timestamp into samples.
- NDEATH with the session's bdSeq ends it (offline); DDEATH forgets the device's metrics.
- A seq gap, an unknown alias, data without a birth or a birth without bdSeq is dead-lettered with that reason
  and a rebirth is requested (NCMD `Node Control/Rebirth`, at most one per node per `rebirth_min_s`). A
  payload that is not Sparkplug protobuf is dead-lettered. Nothing here raises for any input.

Sessions (not seq) are kept in a small JSON file in the state dir, so after a crash the messages the broker
redelivers still resolve their aliases; the first data message after a restart sets the seq baseline.
Pure of I/O except that file and the clock given in: the pipeline writes, acknowledges and publishes.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError

from collector.enrich import GatewayInfo, SparkplugNode, save_json
from collector.sparkplug_proto import sparkplug_b_pb2 as pb
from collector.validate import GoodSample, Reason, Rejection, check_value
from i5g.contract import (
    MAX_PAYLOAD_BYTES,
    SPARKPLUG_BDSEQ_METRIC,
    SPARKPLUG_REBIRTH_METRIC,
    SparkplugTopic,
    sparkplug_node_topic,
)

log = logging.getLogger("i5g.collector.sparkplug")

# Sparkplug DataType numbers (sparkplug_b.proto) whose value is a number we can map.
_SIGNED_32 = {pb.Int8: 8, pb.Int16: 16, pb.Int32: 32}  # carried in int_value (uint32), two's complement
_UNSIGNED_32 = {pb.UInt8, pb.UInt16, pb.UInt32}
_LONG = {pb.Int64, pb.UInt64, pb.DateTime}
_FLOAT = {pb.Float, pb.Double}


def metric_number(metric: Any, datatype: int) -> float | int | None:
    """The metric's value as a number, or None when its type carries none (string, dataset, template...)."""
    if metric.is_null:
        return None
    if datatype in _SIGNED_32:
        bits = _SIGNED_32[datatype]
        raw = metric.int_value & ((1 << bits) - 1)
        return raw - (1 << bits) if raw >= 1 << (bits - 1) else raw
    if datatype in _UNSIGNED_32:
        return metric.int_value
    if datatype == pb.Int64:
        raw = metric.long_value
        return raw - (1 << 64) if raw >= 1 << 63 else raw
    if datatype in _LONG:
        return metric.long_value
    if datatype == pb.Float:
        return metric.float_value
    if datatype == pb.Double:
        return metric.double_value
    if datatype == pb.Boolean:
        return int(metric.boolean_value)
    return None


def rebirth_payload(now_ms: int) -> bytes:
    """NCMD asking an edge node to publish its births again (Sparkplug 3.0 §6.4.5; Tahu's examples)."""
    payload = pb.Payload(timestamp=now_ms)
    metric = payload.metrics.add(name=SPARKPLUG_REBIRTH_METRIC, timestamp=now_ms, datatype=pb.Boolean)
    metric.boolean_value = True
    return payload.SerializeToString()


@dataclass
class NodeSession:
    bd_seq: int
    seq: int | None  # the last seq seen; None until the first message after a restart
    # per device (None = the node itself): metric name -> datatype, alias -> name
    types: dict[str | None, dict[str, int]] = field(default_factory=dict)
    aliases: dict[str | None, dict[int, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "bd_seq": self.bd_seq,
            "devices": [
                {"device": device, "types": types, "aliases": {str(a): n for a, n in self.aliases[device].items()}}
                for device, types in self.types.items()
            ],
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> NodeSession:
        session = cls(int(document["bd_seq"]), None)
        for item in document["devices"]:
            device = item["device"]
            session.types[device] = {str(name): int(kind) for name, kind in item["types"].items()}
            session.aliases[device] = {int(alias): str(name) for alias, name in item["aliases"].items()}
        return session


@dataclass
class Outcome:
    """What one message means: samples to write, rejections to dead-letter, an online change, a rebirth."""

    samples: list[GoodSample] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    online: bool | None = None
    status_ts: int | None = None
    rebirth: tuple[str, bytes] | None = None  # (NCMD topic, payload)


class SparkplugSessions:
    def __init__(self, state_path: Path | None, *, seq_check: bool = True, rebirth_min_s: float = 5.0) -> None:
        self._path = state_path
        self._seq_check = seq_check
        self._rebirth_min_s = rebirth_min_s
        self._sessions: dict[tuple[str, str], NodeSession] = {}
        self._rebirth_asked: dict[tuple[str, str], float] = {}
        self._load()

    # ------------------------------------------------------------------------------------------ state

    def _load(self) -> None:
        if self._path is None:
            return
        try:
            document = json.loads(self._path.read_text("utf-8"))
            self._sessions = {
                (item["group"], item["node"]): NodeSession.from_json(item["session"]) for item in document
            }
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring Sparkplug session file %s: %s", self._path, exc)
            self._sessions = {}

    def _save(self) -> None:
        if self._path is None:
            return
        document = [
            {"group": group, "node": node, "session": session.to_json()}
            for (group, node), session in self._sessions.items()
        ]
        save_json(self._path, document, "the Sparkplug sessions")

    # ------------------------------------------------------------------------------------- processing

    def process(self, topic: SparkplugTopic, payload: bytes, info: GatewayInfo, now_ms: int) -> Outcome:
        """The outcome of one message of a node declared in the registry (`info.sparkplug` is set). Never raises."""
        outcome = Outcome()
        try:
            self._process(topic, payload, info.sparkplug, now_ms, outcome)  # type: ignore[arg-type]
        except Exception as exc:  # a bug here dead-letters the message, never stalls the collector
            outcome.samples.clear()
            outcome.rejections.append(Rejection(Reason.INTERNAL, f"{type(exc).__name__}: {exc}"[:200]))
        return outcome

    def _process(
        self, topic: SparkplugTopic, payload: bytes, node: SparkplugNode, now_ms: int, outcome: Outcome
    ) -> None:
        key = (topic.group, topic.node)
        if len(payload) > MAX_PAYLOAD_BYTES:
            outcome.rejections.append(Rejection(Reason.OVERSIZED, f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}"))
            return
        try:
            message = pb.Payload.FromString(bytes(payload))
        except (DecodeError, RuntimeWarning, ValueError) as exc:
            outcome.rejections.append(Rejection(Reason.PROTOBUF, f"{topic.kind}: not a Sparkplug B payload: {exc}"))
            return
        kind = topic.kind
        if kind == "NBIRTH":
            self._node_birth(key, message, outcome, now_ms)
        elif kind == "NDEATH":
            self._node_death(key, message, outcome, now_ms)
            return
        else:
            session = self._sessions.get(key)
            if session is None:
                detail = f"{kind} from {topic.group}/{topic.node} before its NBIRTH"
                self._reject_and_rebirth(key, Rejection(Reason.SPARKPLUG_NO_BIRTH, detail), outcome, now_ms)
                return
            if not self._in_sequence(key, session, message, kind, outcome, now_ms):
                return
            if kind == "DBIRTH":
                session.types[topic.device] = {}
                session.aliases[topic.device] = {}
            elif kind == "DDEATH":
                session.types.pop(topic.device, None)
                session.aliases.pop(topic.device, None)
                self._save()
                return
        session = self._sessions.get(key)
        if session is None:  # a rejected NBIRTH
            return
        if kind in ("NBIRTH", "DBIRTH"):
            self._learn(session, topic.device, message, outcome)
            self._save()
        self._map(topic, session, node, message, outcome, now_ms)

    def _node_birth(self, key: tuple[str, str], message: Any, outcome: Outcome, now_ms: int) -> None:
        bd_seq = next((m.long_value for m in message.metrics if m.name == SPARKPLUG_BDSEQ_METRIC), None)
        if bd_seq is None:
            detail = f"NBIRTH of {key[0]}/{key[1]} has no {SPARKPLUG_BDSEQ_METRIC} metric"
            self._sessions.pop(key, None)
            self._reject_and_rebirth(key, Rejection(Reason.SPARKPLUG_BIRTH, detail), outcome, now_ms)
            return
        self._sessions[key] = NodeSession(bd_seq, message.seq, {None: {}}, {None: {}})
        outcome.online = True
        outcome.status_ts = message.timestamp or now_ms

    def _node_death(self, key: tuple[str, str], message: Any, outcome: Outcome, now_ms: int) -> None:
        bd_seq = next((m.long_value for m in message.metrics if m.name == SPARKPLUG_BDSEQ_METRIC), None)
        session = self._sessions.get(key)
        if session is not None and bd_seq is not None and bd_seq != session.bd_seq:
            # The last will of an earlier connection, arriving after the node was born again: not this session's.
            detail = f"NDEATH bdSeq {bd_seq} is not the live session's {session.bd_seq}: kept online"
            outcome.rejections.append(Rejection(Reason.SPARKPLUG_BDSEQ, detail))
            return
        self._sessions.pop(key, None)
        self._save()
        outcome.online = False
        # Stamped on arrival: an NDEATH is usually the last will, whose timestamp is when the connection began.
        outcome.status_ts = now_ms

    def _in_sequence(
        self, key: tuple[str, str], session: NodeSession, message: Any, kind: str, outcome: Outcome, now_ms: int
    ) -> bool:
        seq, last = message.seq, session.seq
        session.seq = seq  # the next message is checked against this one whatever happens: one gap, one record
        if not self._seq_check or last is None or seq == (last + 1) % 256:
            return True
        detail = f"{kind} seq {seq} after {last} (expected {(last + 1) % 256}): a message was lost or reordered"
        self._reject_and_rebirth(key, Rejection(Reason.SPARKPLUG_SEQ, detail), outcome, now_ms)
        return False

    def _learn(self, session: NodeSession, device: str | None, message: Any, outcome: Outcome) -> None:
        types = session.types.setdefault(device, {})
        aliases = session.aliases.setdefault(device, {})
        for metric in message.metrics:
            if not metric.name:
                outcome.rejections.append(Rejection(Reason.SPARKPLUG_BIRTH, "a birth metric without a name"))
                continue
            types[metric.name] = metric.datatype
            if metric.HasField("alias"):
                aliases[metric.alias] = metric.name

    def _map(
        self,
        topic: SparkplugTopic,
        session: NodeSession,
        node: SparkplugNode,
        message: Any,
        outcome: Outcome,
        now_ms: int,
    ) -> None:
        device = topic.device
        types = session.types.get(device, {})
        aliases = session.aliases.get(device, {})
        by_ts: dict[int, dict[str, float | int]] = {}
        unknown_aliases: list[int] = []
        for metric in message.metrics:
            name = metric.name
            if not name:
                name = aliases.get(metric.alias) if metric.HasField("alias") else None
                if name is None:
                    unknown_aliases.append(metric.alias)
                    continue
            mapping = node.metrics.get((device, name))
            if mapping is None:
                continue  # a metric nobody mapped to a KPI (an Ignition node publishes hundreds): not evidence
            ts = metric.timestamp or message.timestamp or now_ms
            datatype = metric.datatype or types.get(name, 0)
            number = metric_number(metric, datatype)
            if number is None:
                if not metric.is_null:
                    detail = f"{name!r} (datatype {datatype}) mapped to {mapping.kpi} carries no number"
                    outcome.rejections.append(Rejection(Reason.SPARKPLUG_METRIC, detail, ts))
                continue
            checked = check_value(mapping.kpi, number * mapping.scale + mapping.offset, ts, now_ms)
            if isinstance(checked, Rejection):
                outcome.rejections.append(Rejection(checked.reason, f"{name!r}: {checked.detail}", checked.ts))
                continue
            by_ts.setdefault(ts, {})[mapping.kpi] = checked
        if unknown_aliases:
            shown = ", ".join(str(alias) for alias in unknown_aliases[:5])
            where = f"device {device!r}" if device else "the node"
            detail = f"{topic.kind}: alias {shown} not defined by the births of {where}"
            rejection = Rejection(Reason.SPARKPLUG_ALIAS, detail)
            self._reject_and_rebirth((topic.group, topic.node), rejection, outcome, now_ms)
        outcome.samples.extend(GoodSample(ts, message.seq, kpis, {}) for ts, kpis in sorted(by_ts.items()))

    def _reject_and_rebirth(self, key: tuple[str, str], rejection: Rejection, outcome: Outcome, now_ms: int) -> None:
        outcome.rejections.append(rejection)
        now = time.monotonic()
        asked = self._rebirth_asked.get(key)
        if asked is not None and now - asked < self._rebirth_min_s:
            return
        if len(self._rebirth_asked) > 10_000:  # bounded, whatever publishes
            self._rebirth_asked.clear()
        self._rebirth_asked[key] = now
        outcome.rebirth = (sparkplug_node_topic(key[0], "NCMD", key[1]), rebirth_payload(now_ms))
