"""A real Sparkplug B edge node for the tests: paho-mqtt and the same generated protobuf module the collector
decodes with (collector/sparkplug_proto), publishing the way Eclipse Tahu's reference edge node does.

What stands for another platform's payloads comes from Eclipse Tahu, the Sparkplug reference implementation
(https://github.com/eclipse/tahu, EPL-2.0), never invented:

- TAHU_NODE_METRICS / TAHU_DEVICE_METRICS: the NBIRTH and DBIRTH metrics (names, datatypes, values) of Tahu's
  python/examples/example_simple.py, publishNodeBirth() and publishDeviceBirth()
  (https://github.com/eclipse/tahu/blob/master/python/examples/example_simple.py); the template and DateTime
  metrics are left out.
- TAHU_DATATYPE_LIMITS: the integer limits of python/examples/example_datatype.py, publishNodeBirth()
  (https://github.com/eclipse/tahu/blob/master/python/examples/example_datatype.py).
- `encode_value` follows python/core/sparkplug_b.py addMetric(): a negative Int8/16/32/64 is sent as
  value + 2**bits in int_value / long_value
  (https://github.com/eclipse/tahu/blob/master/python/core/sparkplug_b.py).
- The session rules: NBIRTH resets seq to 0 and carries the bdSeq metric (Int64), which the NDEATH last will
  repeats; every later message's seq is the previous + 1 mod 256 (sparkplug_b.py getNodeBirthPayload,
  getNodeDeathPayload, getSeqNum).
"""

from __future__ import annotations

import threading
import time
from typing import Any, NamedTuple

import paho.mqtt.client as mqtt

from collector.sparkplug_proto import sparkplug_b_pb2 as pb
from i5g.contract import SPARKPLUG_BDSEQ_METRIC, sparkplug_node_topic


class M(NamedTuple):
    name: str
    datatype: int
    value: Any
    alias: int | None = None


TAHU_NODE_METRICS = [
    M("Node Control/Next Server", pb.Boolean, False),
    M("Node Control/Rebirth", pb.Boolean, False),
    M("Node Control/Reboot", pb.Boolean, False),
    M("Node Metric0", pb.String, "hello node"),
    M("Node Metric1", pb.Boolean, True),
    M("Node Metric2", pb.Int16, 13),
]
TAHU_DEVICE_METRICS = [
    M("input/Device Metric0", pb.String, "hello device"),
    M("input/Device Metric1", pb.Boolean, True),
    M("output/Device Metric2", pb.Int16, 16),
    M("output/Device Metric3", pb.Boolean, True),
]
TAHU_DATATYPE_LIMITS = [
    M("Int8_Min", pb.Int8, -128),
    M("Int8_Max", pb.Int8, 127),
    M("Int16_Min", pb.Int16, -32768),
    M("Int16_Max", pb.Int16, 32767),
    M("Int32_Min", pb.Int32, -2147483648),
    M("Int32_Max", pb.Int32, 2147483647),
    M("Int64_Min", pb.Int64, -9223372036854775808),
    M("Int64_Max", pb.Int64, 9223372036854775807),
    M("UInt8_Max", pb.UInt8, 255),
    M("UInt16_Max", pb.UInt16, 64535),
    M("UInt32_Max", pb.UInt32, 4294967295),
    M("UInt64_Max", pb.UInt64, 18446744073709551615),
]

_BITS = {pb.Int8: 8, pb.Int16: 16, pb.Int32: 32, pb.Int64: 64}


def encode_value(metric: Any, datatype: int, value: Any) -> None:
    metric.datatype = datatype
    if datatype in _BITS and value < 0:
        value += 2 ** _BITS[datatype]
    if datatype in (pb.Int8, pb.Int16, pb.Int32, pb.UInt8, pb.UInt16, pb.UInt32):
        metric.int_value = value
    elif datatype in (pb.Int64, pb.UInt64, pb.DateTime):
        metric.long_value = value
    elif datatype == pb.Float:
        metric.float_value = value
    elif datatype == pb.Double:
        metric.double_value = value
    elif datatype == pb.Boolean:
        metric.boolean_value = value
    else:
        metric.string_value = value


def payload(metrics: list[M], seq: int | None, ts: int, *, names: bool = True) -> bytes:
    """A Payload; `names=False` sends aliases only (what NDATA does after a birth defined them)."""
    message = pb.Payload(timestamp=ts)
    if seq is not None:
        message.seq = seq
    for item in metrics:
        metric = message.metrics.add(timestamp=ts)
        if names or item.alias is None:
            metric.name = item.name
        if item.alias is not None:
            metric.alias = item.alias
        encode_value(metric, item.datatype, item.value)
    return message.SerializeToString()


class EdgeNode:
    """One Sparkplug edge node session over MQTT 3.1.1 (what Ignition Edge and Kura speak)."""

    def __init__(
        self,
        port: int,
        group: str,
        node: str,
        *,
        username: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
        bd_seq: int = 0,
    ) -> None:
        self.group, self.node, self.bd_seq, self.seq = group, node, bd_seq, 0
        self.commands: list[Any] = []  # decoded NCMD payloads
        self.connected = threading.Event()
        self.refused: int | None = None
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"sp-{node}", protocol=mqtt.MQTTv311
        )
        if username:
            self.client.username_pw_set(username, password)
        death = pb.Payload(timestamp=int(time.time() * 1000))
        encode_value(death.metrics.add(name=SPARKPLUG_BDSEQ_METRIC), pb.Int64, bd_seq)
        self.client.will_set(self.topic("NDEATH"), death.SerializeToString(), qos=1)
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda client, userdata, message: self.commands.append(
            pb.Payload.FromString(message.payload)
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.connected.wait(10), f"edge node {node} did not connect (refused: {self.refused})"

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            self.refused = reason.value
            return
        client.subscribe(self.topic("NCMD"), qos=1)
        self.connected.set()

    def topic(self, kind: str, device: str | None = None) -> str:
        return sparkplug_node_topic(self.group, kind, self.node, device)

    def next_seq(self) -> int:
        seq = self.seq
        self.seq = (self.seq + 1) % 256
        return seq

    def birth(self, metrics: list[M], ts: int | None = None) -> mqtt.MQTTMessageInfo:
        self.seq = 0
        bd_seq = M(SPARKPLUG_BDSEQ_METRIC, pb.Int64, self.bd_seq)
        return self.publish("NBIRTH", payload([bd_seq, *metrics], self.next_seq(), ts or now_ms()))

    def device_birth(self, device: str, metrics: list[M], ts: int | None = None) -> mqtt.MQTTMessageInfo:
        return self.publish("DBIRTH", payload(metrics, self.next_seq(), ts or now_ms()), device)

    def data(
        self, metrics: list[M], ts: int | None = None, device: str | None = None, seq: int | None = None
    ) -> mqtt.MQTTMessageInfo:
        body = payload(metrics, self.next_seq() if seq is None else seq, ts or now_ms(), names=False)
        return self.publish("DDATA" if device else "NDATA", body, device)

    def death(self) -> mqtt.MQTTMessageInfo:
        return self.publish("NDEATH", payload([M(SPARKPLUG_BDSEQ_METRIC, pb.Int64, self.bd_seq)], None, now_ms()))

    def publish(self, kind: str, body: bytes, device: str | None = None) -> mqtt.MQTTMessageInfo:
        return self.client.publish(self.topic(kind, device), body, qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def now_ms() -> int:
    return int(time.time() * 1000)
