"""The collector's paho client: paho's receive and acknowledge paths, batched for thousands of small
PUBLISHes per second.

Stock paho 2.x reads one packet per select() round (`loop_read` ignores its `max_packets` argument and reads
as many packets as the client has messages in flight: one, for a subscriber), with three recv() calls per
packet (command byte, remaining length, body); builds a Properties object, an MQTTMessage (with a
threading.Condition) and a topic-matcher walk for every message; and every `ack()` is its own PUBACK write
plus a wake-up byte through the loop's socket pair. py-spy on a draining collector put over half of the
process in that plumbing (docs/benchmarks.md). Here:

- `_sock_recv` serves paho's small reads from a 64 KiB chunk read once (same contract as socket.recv: up to
  `bufsize` bytes, BlockingIOError when nothing is there, b"" at EOF);
- `loop_read` parses until the socket and that chunk are both empty (at least READ_ROUND packets per round,
  and it never stops while bytes wait in the chunk, where select() would not see them);
- a QoS 1 PUBLISH without properties (what agents send) goes straight to `on_qos1_publish(topic, payload,
  mid, dup)`, without the Properties and MQTTMessage objects nobody reads (the collector allows no topic
  aliases, so the topic is always in the packet). Every other PUBLISH (QoS 0, with properties, malformed)
  takes paho's own path, which decodes and validates it, and `on_message`;
- `ack_qos1` queues the PUBACKs of a whole batch as one write.

Everything else (connect, session, subscribe, keepalive, reconnect, TLS, disconnect) is paho's. The fast
paths use paho's private `_sock_recv`, `_packet_read`, `_loop_rc_handle`, `_handle_publish`, `_packet_queue`
and MQTTMessage's `_topic`, all behind the one check `FAST_PATHS`: where a paho release no longer has them (or
`I5G_COLLECTOR_PAHO_FAST_PATHS=false`, which CI runs the collector tests with once), the client uses paho's
public paths only, so a paho release that changes its internals costs speed, never correctness. The paho range
pyproject.toml admits for the collector is the one tested.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

__all__ = ["FAST_PATHS", "IntakeClient", "Qos1Handler", "message_topic"]

Qos1Handler = Callable[[bytes, bytes, int, bool], None]  # topic, payload, packet id, dup

_PAHO_PRIVATES = ("_sock_recv", "_packet_read", "_loop_rc_handle", "_handle_publish", "_packet_queue")
FAST_PATHS = all(callable(getattr(mqtt.Client, name, None)) for name in _PAHO_PRIVATES) and isinstance(
    getattr(mqtt.MQTTMessage(topic=b"t"), "_topic", None), bytes
)


def message_topic(message: mqtt.MQTTMessage, fast: bool) -> bytes:
    """The topic as the bytes on the wire (paho's public `.topic` is decoded text)."""
    return message._topic if fast else message.topic.encode("utf-8")


_PUBACK = struct.Struct("!BBH")  # fixed header, remaining length 2 (success, no properties), packet id
_QOS_MASK = 0x06
_QOS1 = 0x02
_DUP = 0x08


class IntakeClient(mqtt.Client):
    READ_CHUNK = 65536
    READ_ROUND = 1000

    def __init__(
        self, *args: Any, on_qos1_publish: Qos1Handler | None = None, fast_paths: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.on_qos1_publish = on_qos1_publish
        self.fast = fast_paths and FAST_PATHS
        self._rbuf = b""  # received, not yet handed to paho's parser
        self._rbuf_pos = 0
        self._rbuf_sock: object = None  # the socket the buffered bytes came from

    # ------------------------------------------------------------------------------------------- reading

    def _sock_recv(self, bufsize: int) -> bytes:
        if not self.fast:  # paho's loop_read would not drain the chunk before select()
            return super()._sock_recv(bufsize)
        if self._rbuf_sock is not self._sock:  # a new connection: nothing of the old one may be parsed
            self._rbuf, self._rbuf_pos, self._rbuf_sock = b"", 0, self._sock
        if self._rbuf_pos >= len(self._rbuf):
            self._rbuf = super()._sock_recv(max(bufsize, self.READ_CHUNK))  # raises BlockingIOError when empty
            self._rbuf_pos = 0
        start = self._rbuf_pos
        chunk = self._rbuf[start : start + bufsize]
        self._rbuf_pos = start + len(chunk)
        return chunk

    def _buffered(self) -> bool:
        return self._rbuf_sock is self._sock and self._rbuf_pos < len(self._rbuf)

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        if not self.fast:
            return super().loop_read(max_packets)
        packets = 0
        while True:
            if self._sock is None:
                return mqtt.MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == mqtt.MQTTErrorCode.MQTT_ERR_AGAIN:
                return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS
            packets += 1
            if packets >= self.READ_ROUND and not self._buffered():
                return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS  # the loop writes and keeps alive; select() sees the rest

    def _handle_publish(self) -> mqtt.MQTTErrorCode:
        header = self._in_packet["command"]
        handler = self.on_qos1_publish
        if not self.fast or handler is None or header & _QOS_MASK != _QOS1 or self._protocol != mqtt.MQTTv5:
            return super()._handle_publish()
        packet = self._in_packet["packet"]
        parsed = _split_qos1_publish(packet)
        if parsed is None:  # malformed: paho's own decoder raises and reports it
            return super()._handle_publish()
        topic, mid, payload = parsed
        with self._in_callback_mutex:
            handler(topic, payload, mid, bool(header & _DUP))
        # manual_ack: the PUBACK goes out when the collector has stored the message (ack_qos1).
        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS

    # ------------------------------------------------------------------------------------- acknowledging

    def ack_qos1(self, mids: list[int]) -> bool:
        """PUBACK (success, no properties: the 2-byte form MQTT 5 allows) for each mid, queued as one write."""
        if not mids:
            return True
        if not self.fast:
            return all(self.ack(mid, 1) == mqtt.MQTT_ERR_SUCCESS for mid in mids)
        packet = b"".join(_PUBACK.pack(mqtt.PUBACK, 2, mid) for mid in mids)
        return self._packet_queue(mqtt.PUBACK, packet, mids[-1], 1) == mqtt.MQTT_ERR_SUCCESS


def _split_qos1_publish(packet: bytes) -> tuple[bytes, int, bytes] | None:
    """An MQTT 5 QoS 1 PUBLISH body (after the fixed header) without properties -> (topic, packet id, payload).

    None when it has properties or is malformed: paho's own decoder then validates the properties (or
    reports what is wrong). Layout: topic length (2) + topic, packet id (2), property length (a variable
    byte integer, here the single byte 0), payload (the rest)."""
    size = len(packet)
    topic_end = 2 + ((packet[0] << 8) | packet[1]) if size >= 2 else 0
    if topic_end <= 2 or topic_end + 3 > size:  # an empty topic would be an alias, which the collector never allows
        return None
    mid = (packet[topic_end] << 8) | packet[topic_end + 1]
    if mid == 0 or packet[topic_end + 2] != 0:
        return None
    return packet[2:topic_end], mid, packet[topic_end + 3 :]
