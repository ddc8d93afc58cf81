"""collector/intake_client.py: the batched read/ack paths against paho's own decoder and real brokers.

The split of a QoS 1 PUBLISH is checked against paho's `decode_publish` (and packets with properties of any
kind are left to paho); end to end, the collector stores messages with PUBLISH properties, QoS 0 messages (paho's own
path), messages over TLS, and, with the fast paths switched off, through paho's public paths only.
"""

from __future__ import annotations

import struct
import time

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt import _packet
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from collector import intake_client
from collector.intake_client import _split_qos1_publish
from i5g.contract import encode_telemetry, telemetry_topic
from tests.collector.conftest import Publisher, count_points, settings_for, wait_for, write_directory_cache
from tests.conftest import TlsBroker

QOS1_HEADER = 0x32


def publish_body(topic: str, mid: int, payload: bytes, properties: Properties | None) -> bytes:
    encoded = topic.encode()
    props = properties.pack() if properties is not None else b"\x00"
    return struct.pack("!H", len(encoded)) + encoded + struct.pack("!H", mid) + props + payload


def properties_from(expiry: int | None, content_type: str | None, user: list[tuple[str, str]]) -> Properties:
    properties = Properties(PacketTypes.PUBLISH)
    if expiry is not None:
        properties.MessageExpiryInterval = expiry
    if content_type is not None:
        properties.ContentType = content_type
    if user:
        properties.UserProperty = user
    return properties


def mqtt_text(min_size: int = 0, max_size: int = 100) -> st.SearchStrategy[str]:
    """MQTT UTF-8 strings: encodable (no surrogates) and no U+0000 ([MQTT-1.5.4-2])."""
    characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    return st.text(characters, min_size=min_size, max_size=max_size)


@settings(max_examples=300, deadline=None)
@given(
    topic=mqtt_text(1, 300),
    mid=st.integers(1, 65535),
    payload=st.binary(max_size=2000),
    expiry=st.none() | st.integers(0, 2**32 - 1),
    content_type=st.none() | mqtt_text(max_size=200),
    user=st.lists(st.tuples(mqtt_text(max_size=40), mqtt_text()), max_size=8),
)
def test_split_agrees_with_paho_and_leaves_properties_to_paho(topic, mid, payload, expiry, content_type, user) -> None:
    plain = publish_body(topic, mid, payload, None)
    expected = _packet.decode_publish(QOS1_HEADER, plain, mqtt.MQTTv5)
    assert _split_qos1_publish(plain) == (expected.topic, expected.mid, expected.payload)
    properties = properties_from(expiry, content_type, user)
    if properties.pack() != b"\x00":
        assert _split_qos1_publish(publish_body(topic, mid, payload, properties)) is None


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_truncated_or_garbled_bodies_are_refused_or_agree_with_paho(data) -> None:
    with_properties = data.draw(st.booleans())
    properties = properties_from(60, "application/json", [("a", "b")]) if with_properties else None
    body = publish_body("i5g/v1/gw-1/telemetry", 7, b'{"v":1}', properties)
    cut = data.draw(st.integers(0, len(body)))
    garbled = bytearray(body[:cut])
    for index in data.draw(st.lists(st.integers(0, max(cut - 1, 0)), max_size=3)):
        if garbled:
            garbled[index] = data.draw(st.integers(0, 255))
    mine = _split_qos1_publish(bytes(garbled))
    if mine is None:
        return  # handed to paho's own decoder, which reports what is wrong
    theirs = _packet.decode_publish(QOS1_HEADER, bytes(garbled), mqtt.MQTTv5)
    assert mine == (theirs.topic, theirs.mid, theirs.payload)


def test_zero_packet_id_and_empty_topic_go_to_paho() -> None:
    assert _split_qos1_publish(publish_body("a/b", 0, b"x", None)) is None
    assert _split_qos1_publish(b"\x00\x00\x00\x07\x00x") is None


def test_plain_qos1_with_properties_and_qos0_are_all_stored(mosquitto, influxdb, tmp_path, start_collector, publisher):
    write_directory_cache(tmp_path / "state")
    # This test is about the fast path itself: on even when the run forces it off for every other test.
    settings = settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state", paho_fast_paths=True)
    collector = start_collector(settings)
    client = collector.intake.client
    assert isinstance(client, intake_client.IntakeClient)
    fast: list[int] = []
    deliver = client.on_qos1_publish
    client.on_qos1_publish = lambda topic, payload, mid, dup: (fast.append(mid), deliver(topic, payload, mid, dup))
    properties = properties_from(3600, "application/json", [("site", "宁波"), ("firmware", "1.2")])
    infos = []
    base = int(time.time() * 1000) - 60_000
    for seq in range(1, 301):
        payload = encode_telemetry("gw-agv-1", [{"ts": base + seq, "seq": seq, "kpis": {"rtt_ms": 4.0}}])
        kind = seq % 3  # 0: QoS 0, 1: QoS 1 with properties, 2: plain QoS 1 (the fast path)
        infos.append(
            publisher.client.publish(
                telemetry_topic("gw-agv-1"),
                payload,
                qos=0 if kind == 0 else 1,
                properties=properties if kind == 1 else None,
            )
        )
    publisher.wait_all(infos)
    wait_for(lambda: count_points(influxdb.series_values) == 300, what="300 points")
    wait_for(lambda: collector.metrics.snapshot()["acked"] == 300, what="300 messages done")
    assert len(fast) == 100


def test_fast_paths_off_uses_paho_public_paths(mosquitto, influxdb, tmp_path, start_collector, publisher):
    write_directory_cache(tmp_path / "state")
    settings = settings_for(mosquitto, influxdb.v2_url, influxdb.database, tmp_path / "state", paho_fast_paths=False)
    collector = start_collector(settings)
    assert not collector.intake.client.fast
    publisher.wait_all(publisher.publish_samples("gw-agv-1", 300))
    wait_for(lambda: count_points(influxdb.series_values) == 300, what="300 points")
    wait_for(lambda: collector.metrics.snapshot()["acked"] == 300, what="300 acks")
    assert collector.intake.client._rbuf == b""  # nothing went through the chunked reader


@pytest.mark.parametrize("per_message", [1, 20])
def test_over_tls_every_message_is_stored(tls_mosquitto: TlsBroker, influxdb, tmp_path, start_collector, per_message):
    write_directory_cache(tmp_path / "state")

    class TlsListener:
        port = tls_mosquitto.tls_port

    settings = settings_for(
        TlsListener, influxdb.v2_url, influxdb.database, tmp_path / "state", mqtt_tls=True,
        mqtt_ca_file=tls_mosquitto.ca_file,
    )  # fmt: skip
    collector = start_collector(settings)
    publisher = Publisher(tls_mosquitto.server.port)  # the plain listener of the same broker
    try:
        publisher.wait_all(publisher.publish_samples("gw-vision-2", 1000, per_message=per_message))
    finally:
        publisher.close()
    wait_for(lambda: count_points(influxdb.series_values) == 1000 * per_message, what="every point over TLS")
    wait_for(lambda: collector.metrics.snapshot()["acked"] == 1000, what="1000 acks")
