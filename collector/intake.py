"""MQTT intake: a persistent MQTT 5 session on the shared telemetry subscription, with manual acknowledgement.

paho runs its callbacks on its network thread; they only queue the message, so keepalive and reception never
wait for InfluxDB. The writer thread calls `ack()` with a stored batch. That is safe from another thread:
the PUBACKs go through paho's `_packet_queue`, which appends to a deque and wakes the network loop through its
socket pair, the same path `publish()` takes from any thread (paho-mqtt 2.2 client.py). In-flight messages
are bounded by the MQTT 5 Receive Maximum we announce, so the queue never holds more than that many; the
broker keeps the rest. The client itself (batched reads and acks) is collector/intake_client.py.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from typing import Any, NamedTuple

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from collector.intake_client import IntakeClient, message_topic
from collector.metrics import CollectorMetrics
from collector.settings import CollectorSettings
from i5g import contract
from i5g.contract import SPARKPLUG_QOS, STATUS_QOS, STATUS_SUBSCRIPTION, TELEMETRY_QOS, shared_subscription

log = logging.getLogger("i5g.collector.intake")
SP_OPTIONS = SubscribeOptions(qos=SPARKPLUG_QOS)


class Delivery(NamedTuple):  # a tuple: built for every message, several times cheaper than a frozen dataclass
    topic: str
    payload: bytes
    mid: int
    qos: int
    dup: bool
    received_ms: int
    generation: int  # the connection it arrived on


class MqttIntake:
    def __init__(self, settings: CollectorSettings, deliveries: queue.SimpleQueue[Delivery], metrics: CollectorMetrics):
        self._settings = settings
        self._deliveries = deliveries
        self._metrics = metrics
        self._generation = 0
        self._connected = threading.Event()
        self._ack_lock = threading.Lock()
        self.last_error: str | None = None
        self.client = self._build_client()

    def _build_client(self) -> IntakeClient:
        s = self._settings
        client = IntakeClient(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=s.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
            on_qos1_publish=self._on_qos1_publish,
            fast_paths=s.paho_fast_paths,
        )
        if s.mqtt_username:
            password = s.mqtt_password.get_secret_value() if s.mqtt_password else None
            client.username_pw_set(s.mqtt_username, password)
        if s.mqtt_tls:
            client.tls_set(
                ca_certs=str(s.mqtt_ca_file) if s.mqtt_ca_file else None, tls_version=ssl.PROTOCOL_TLS_CLIENT
            )
        client.reconnect_delay_set(min_delay=1, max_delay=15)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def start(self) -> None:
        s = self._settings
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = s.session_expiry_s
        properties.ReceiveMaximum = s.receive_maximum
        # clean_start=False resumes the session: the broker redelivers whatever we had not acknowledged.
        self.client.connect_async(s.mqtt_host, s.mqtt_port, s.keepalive_s, clean_start=False, properties=properties)
        self.client.loop_start()

    def stop(self) -> None:
        # A normal DISCONNECT keeps the session (its expiry is set): unacknowledged messages come back later.
        self.client.disconnect()
        self.client.loop_stop()
        self._connected.clear()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            self.last_error = f"connect refused: {reason_code}"
            log.error("MQTT %s", self.last_error)
            return
        with self._ack_lock:
            self._generation += 1
        self.last_error = None
        group = self._settings.share_group
        own = f"{group}.{self._settings.replica}"  # a share group with this replica as its only member
        client.subscribe(
            [
                (shared_subscription(group), SubscribeOptions(qos=TELEMETRY_QOS)),
                # Status is not shared: every replica keeps the full online picture, and shared subscriptions
                # do not receive retained messages, which is what the status topic relies on.
                (STATUS_SUBSCRIPTION, SubscribeOptions(qos=STATUS_QOS)),
                # Sparkplug B: data shared like telemetry; births and deaths to every replica, like status, so
                # each keeps the aliases and the online picture (collector/sparkplug.py). A share group of this
                # replica alone does that: with plain subscriptions there, test_delivery.py's InfluxDB-outage test
                # saw more than the Receive Maximum unacknowledged in 3 runs of 15; this way 1 in 39 (main: 0/15).
                *((shared_subscription(group, topic), SP_OPTIONS) for topic in contract.SPARKPLUG_DATA_SUBSCRIPTIONS),
                *((shared_subscription(own, t), SP_OPTIONS) for t in contract.SPARKPLUG_LIFECYCLE_SUBSCRIPTIONS),
            ]
        )
        log.info(
            "MQTT connected to %s:%d as %s (session present: %s)",
            self._settings.mqtt_host,
            self._settings.mqtt_port,
            self._settings.client_id,
            getattr(flags, "session_present", "?"),
        )

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reason_codes: Any, props: Any) -> None:
        failed = [str(code) for code in reason_codes if code.is_failure]
        if failed:
            self.last_error = f"subscription refused: {', '.join(failed)}"
            log.error("MQTT %s", self.last_error)
        # Connected only counts once the subscriptions are in place: before that nothing would arrive.
        self._connected.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, props: Any) -> None:
        self._connected.clear()
        if reason_code != 0:
            self.last_error = f"disconnected: {reason_code}"
            log.warning("MQTT %s; paho reconnects", self.last_error)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        """paho's path: QoS 0 (and anything the client's QoS 1 fast path hands back to paho)."""
        topic = message_topic(message, self.client.fast)
        self._deliver(topic, message.payload, message.mid, message.qos, bool(message.dup))

    def _on_qos1_publish(self, topic: bytes, payload: bytes, mid: int, dup: bool) -> None:
        self._deliver(topic, payload, mid, 1, dup)

    def _deliver(self, topic: bytes, payload: bytes, mid: int, qos: int, dup: bool) -> None:
        # Only this thread writes these two counters, so no lock: one less lock round per message.
        self._metrics.counters["received"] += 1
        if dup:
            self._metrics.counters["redelivered"] += 1
        try:
            topic_text = topic.decode("utf-8")
        except UnicodeDecodeError:  # brokers check topics are UTF-8; never let one kill the network thread
            topic_text = repr(topic)
        self._deliveries.put(
            Delivery(topic_text, payload, mid, qos, dup, time.time_ns() // 1_000_000, self._generation)
        )

    def publish(self, topic: str, payload: bytes) -> None:
        """A command to an edge node (a Sparkplug rebirth request). Thread-safe, as ack() is; not retained.
        Lost while disconnected: the condition that asked for it asks again on the node's next message."""
        self.client.publish(topic, payload, qos=SPARKPLUG_QOS, retain=False)

    def ack(self, deliveries: list[Delivery]) -> int:
        """Acknowledge stored messages; returns how many are done (QoS 0 needs nothing). A message from an
        earlier connection is not acked here: the broker redelivers it on the new one and that copy is
        acknowledged once written (again, idempotently). Subscriptions are QoS 1, so no QoS 2 arrives."""
        unacked = [d for d in deliveries if d.qos > 0]
        done = len(deliveries) - len(unacked)
        with self._ack_lock:
            # Not _connected: a resumed session redelivers before our SUBACK arrives, and those must be acked.
            if not unacked or not self.client.is_connected():
                return done
            mids = [d.mid for d in unacked if d.generation == self._generation]
            if self.client.ack_qos1(mids):
                done += len(mids)
            return done
