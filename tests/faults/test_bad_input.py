"""Garbage through the real broker while good traffic flows: the good traffic loses nothing, every bad message
is dead-lettered with its reason, and the collector keeps running.

The garbage is published on the fleet's own topics too (the broker's ACLs stop a gateway from doing that in
production - tests/security/test_gateway_access.py - but a buggy agent on the right topic can). Its samples use
timestamps a day old, so nothing it might wrongly store could overwrite a good point.
"""

from __future__ import annotations

import json
import threading
import time

from collector.validate import Reason
from i5g.contract import (
    FIELD_COUNT,
    MAX_PAYLOAD_BYTES,
    MEASUREMENT_DEAD_LETTER,
    TAG_REASON,
    status_topic,
    telemetry_topic,
)
from tests.collector.conftest import Publisher, wait_for
from tests.faults.harness import count_points, stop_and_account, wait_complete

DAY_MS = 24 * 3600 * 1000


def garbage(gateway: str) -> list[tuple[str, bytes, str]]:
    """(topic, payload, expected reason): each message yields exactly one dead letter."""
    ts = int(time.time() * 1000) - DAY_MS

    def envelope(*samples: dict, gw: str = gateway) -> bytes:
        return json.dumps({"v": 1, "gw": gw, "samples": list(samples)}, allow_nan=True).encode()

    good = {"ts": ts, "seq": 1, "kpis": {"rtt_ms": 5.0}}
    topic = telemetry_topic(gateway)
    return [
        (topic, b"{not json", Reason.JSON),
        (topic, b"\xff\xfe\x00garbage", Reason.ENCODING),
        (topic, b"[" * 50_000 + b"]" * 50_000, Reason.JSON),
        (topic, b" " * (MAX_PAYLOAD_BYTES + 1), Reason.OVERSIZED),
        (topic, envelope({**good, "kpis": {"rtt_ms": float("nan")}}), Reason.JSON),
        (topic, b'{"v":1,"v":1,"gw":"%s","samples":[]}' % gateway.encode(), Reason.DUPLICATE_KEY),
        (topic, envelope(good, gw="gw-someone-else"), Reason.GATEWAY_MISMATCH),
        (topic, envelope({**good, "ctx": {"rat": "\ud800"}}), Reason.CTX),  # lone surrogate (JSON-escaped)
        (topic, envelope({**good, "ts": ts + 400 * DAY_MS}), Reason.FUTURE),
        (topic, envelope({**good, "ts": -5}), Reason.TIMESTAMP),
        (topic, envelope({**good, "kpis": {"rtt_ms": "fast"}}), Reason.KPI_TYPE),
        (topic, envelope({**good, "kpis": {"warp_factor": 9}}), Reason.UNKNOWN_KPI),
        (telemetry_topic("gw-not-registered"), envelope(good, gw="gw-not-registered"), Reason.UNKNOWN_GATEWAY),
        (status_topic(gateway), b'{"v":1,"gw":"%s","online":"maybe"}' % gateway.encode(), Reason.STATUS),
        ("i5g/v1/GW!/telemetry", envelope(good), Reason.TOPIC),
    ]


def test_garbage_through_the_broker_leaves_good_traffic_untouched(mosquitto, influxdb, processes) -> None:
    fleet = processes.fleet(mosquitto.port, 10, 3.0)
    collector = processes.collector(mosquitto.port, influxdb.v2_url, influxdb.database, fleet.ids).start()
    fleet.start()
    wait_for(lambda: count_points(influxdb.url, influxdb.database) > 30, what="good points first")

    publisher = Publisher(mosquitto.port, client_id="garbage")
    sent: dict[str, int] = {}
    distinct: set[tuple[str, bytes]] = set()
    infos = []
    rounds = 12

    def spray() -> None:
        for round_ in range(rounds):
            for topic, payload, reason in garbage(fleet.ids[round_ % len(fleet.ids)]):
                infos.append(publisher.publish_raw(topic, payload))
                # The same bytes again are indistinguishable from a redelivery: recorded once.
                if (topic, payload) not in distinct:
                    distinct.add((topic, payload))
                    sent[reason] = sent.get(reason, 0) + 1
            time.sleep(0.3)

    sprayer = threading.Thread(target=spray)
    sprayer.start()
    sprayer.join(60)
    publisher.wait_all(infos)
    publisher.close()
    time.sleep(1)

    generated = stop_and_account(fleet)
    book = wait_complete(influxdb.url, influxdb.database, generated)
    assert book.complete, book.summary()

    def dead_letters() -> dict[str, int]:
        result = influxdb.query(f"SELECT count({FIELD_COUNT}) FROM {MEASUREMENT_DEAD_LETTER} GROUP BY {TAG_REASON}")[
            "results"
        ][0]
        return {s["tags"]["reason"]: int(s["values"][0][1]) for s in result.get("series", [])}

    wait_for(lambda: dead_letters() == sent, timeout=20, what=f"dead letters {sent}")
    assert collector.proc is not None and collector.proc.poll() is None, "the collector died"
    assert (collector.health() or {}).get("status") == "ok", collector.health()
    print(f"garbage: {sum(sent.values())} bad messages dead-lettered by reason; good traffic {book.summary()}")
