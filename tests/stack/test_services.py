"""The native service launchers start real servers; the v2 proxy writes through to real InfluxDB."""

from __future__ import annotations

import gzip
import urllib.request

import paho.mqtt.client as mqtt
import pytest

from devstack.mosquitto import MosquittoServer
from devstack.process import ServiceError
from i5g.influx.v2proxy import translate_write_path


def test_translate_write_path() -> None:
    assert translate_write_path("/api/v2/write?org=x&bucket=tele&precision=ms") == "/write?db=tele&precision=ms"
    assert translate_write_path("/api/v2/write?bucket=db%2Frp&precision=ns") == "/write?db=db&precision=n&rp=rp"
    with pytest.raises(ValueError, match="bucket"):
        translate_write_path("/api/v2/write?org=x")


def test_v2_write_through_proxy_lands_in_influxdb(influxdb) -> None:
    body = gzip.compress(b"probe,gateway=gw-1 rtt_ms=12.5 1700000000000\n")
    request = urllib.request.Request(
        f"{influxdb.v2_url}/api/v2/write?org=i5g&bucket={influxdb.database}&precision=ms",
        data=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
    rows = influxdb.series_values("SELECT rtt_ms FROM probe WHERE gateway = 'gw-1'")
    assert rows == [[1700000000000, 12.5]]


def test_v2_health_reports_upstream(influxdb) -> None:
    with urllib.request.urlopen(f"{influxdb.v2_url}/health", timeout=5) as response:
        assert response.status == 200


def test_mosquitto_roundtrip(mosquitto: MosquittoServer) -> None:
    received: list[bytes] = []
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="sub", protocol=mqtt.MQTTv5)
    sub.on_message = lambda c, u, m: received.append(m.payload)
    sub.connect("127.0.0.1", mosquitto.port)
    sub.subscribe("t/#", qos=1)
    sub.loop_start()
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="pub", protocol=mqtt.MQTTv5)
    pub.connect("127.0.0.1", mosquitto.port)
    pub.loop_start()
    import time

    time.sleep(0.3)
    pub.publish("t/1", b"hello", qos=1).wait_for_publish(5)
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    pub.loop_stop()
    sub.loop_stop()
    assert received == [b"hello"]


def test_port_taken_is_a_clear_error(mosquitto: MosquittoServer, tmp_path) -> None:
    with pytest.raises(ServiceError, match="mosquitto"):
        MosquittoServer(tmp_path / "second", port=mosquitto.port).start(timeout=5)


def test_secure_broker_refuses_anonymous(secure_mosquitto: MosquittoServer) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="anon", protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", secure_mosquitto.port)
    results: list = []
    client.on_connect = lambda c, u, f, rc, p: results.append(rc)
    client.loop_start()
    import time

    deadline = time.monotonic() + 5
    while not results and time.monotonic() < deadline:
        time.sleep(0.05)
    client.loop_stop()
    assert results and results[0].is_failure
