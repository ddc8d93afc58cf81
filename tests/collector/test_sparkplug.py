"""Sparkplug B edge nodes into the collector, on a real Mosquitto and InfluxDB, with a real Sparkplug publisher
(tests/collector/sparkplug_node.py): births, data by alias, devices, deaths, seq gaps, unknown aliases,
rebirth requests, malformed protobuf. One broker, database and collector for the module; each test has its
own edge node, declared in the directory the collector reads (its cache file: the registry is not needed)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.app import Collector
from collector.enrich import GatewayInfo, MetricMap, SparkplugNode
from collector.sparkplug import SparkplugSessions, metric_number
from collector.sparkplug_proto import sparkplug_b_pb2 as pb
from collector.validate import Reason
from devstack.influxdb import InfluxDBServer
from devstack.mosquitto import MosquittoServer
from i5g.contract import (
    FIELD_DETAIL,
    FIELD_ONLINE,
    FIELD_SLA_OK,
    MEASUREMENT_DEAD_LETTER,
    MEASUREMENT_GATEWAY_STATUS,
    MEASUREMENT_KPI,
    SPARKPLUG_REBIRTH_METRIC,
    TAG_GATEWAY,
    TAG_REASON,
    TAG_SCENARIO,
    TAG_USE_CASE,
    UNKNOWN_GATEWAY,
    parse_sparkplug_topic,
    sparkplug_node_topic,
)
from i5g.influx.v2proxy import InfluxV2Proxy
from tests.collector.conftest import GATEWAYS, count_points, settings_for, wait_for, write_directory_cache
from tests.collector.sparkplug_node import (
    TAHU_DATATYPE_LIMITS,
    TAHU_DEVICE_METRICS,
    TAHU_NODE_METRICS,
    EdgeNode,
    M,
    now_ms,
    payload,
)

GROUP = "Plant A"  # a space, as Ignition's default "Sparkplug B Devices" has
DEVICE = "PLC 1"


def declared(gateway: str, node: str) -> dict:
    """A gateway entry of the directory declaring edge node GROUP/node, mapping Tahu's example metrics."""
    return {
        **GATEWAYS[0],
        "id": gateway,
        "sparkplug": {
            "group_id": GROUP,
            "edge_node_id": node,
            "metrics": [
                {"device_id": None, "metric": "Node Metric2", "kpi": "temp_c", "scale": 1.0, "offset": 0.0},
                {"device_id": None, "metric": "Modem/RSRP", "kpi": "rsrp_dbm", "scale": 1.0, "offset": 0.0},
                {"device_id": None, "metric": "Net/RTT s", "kpi": "rtt_ms", "scale": 1000.0, "offset": 0.0},
                {"device_id": DEVICE, "metric": "output/Device Metric2", "kpi": "agv_speed_mps", "scale": 0.5},
            ],
        },
    }


NODES = {f"sp-gw-{n}": f"Edge Node {n}" for n in range(1, 6)}
BIRTH = [
    *TAHU_NODE_METRICS,
    M("Modem/RSRP", pb.Int32, -95, alias=1),
    M("Net/RTT s", pb.Float, 0.012, alias=2),
]


class Servers:
    def __init__(self, broker: MosquittoServer, influx: InfluxDBServer, proxy: InfluxV2Proxy, db: str) -> None:
        self.broker, self.influx, self.proxy, self.db = broker, influx, proxy, db

    def rows(self, q: str) -> list[list]:
        result = self.influx.query(q, db=self.db)["results"][0]
        return [row for series in result.get("series", []) for row in series.get("values", [])]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, influxdb_session: InfluxDBServer) -> Iterator[Servers]:
    broker = MosquittoServer(tmp_path_factory.mktemp("sp-broker")).start()
    db = f"sp_{secrets.token_hex(4)}"
    influxdb_session.create_database(db)
    proxy = InfluxV2Proxy(influxdb_session.url).start()
    try:
        yield Servers(broker, influxdb_session, proxy, db)
    finally:
        proxy.stop()
        broker.stop()
        influxdb_session.query(f'DROP DATABASE "{db}"')


@pytest.fixture(scope="module")
def collector(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    state = tmp_path_factory.mktemp("sp-state")
    write_directory_cache(state, [*GATEWAYS, *(declared(gw, node) for gw, node in NODES.items())])
    settings = settings_for(servers.broker, servers.proxy.url, servers.db, state, sparkplug_rebirth_min_s=0)
    running = Collector(settings).start()
    assert running.intake.wait_connected(10)
    yield running
    running.stop(drain_timeout_s=1)


def node_for(servers: Servers, gateway: str) -> EdgeNode:
    return EdgeNode(servers.broker.port, GROUP, NODES[gateway])


def dead_letters(servers: Servers, gateway: str) -> list[tuple[str, str]]:
    rows = servers.rows(
        f"SELECT {TAG_REASON}, {FIELD_DETAIL} FROM {MEASUREMENT_DEAD_LETTER} WHERE {TAG_GATEWAY} = '{gateway}'"
    )
    return [(row[1], row[2]) for row in rows]


def rebirths(node: EdgeNode) -> list[pb.Payload]:
    return [c for c in node.commands if any(m.name == SPARKPLUG_REBIRTH_METRIC and m.boolean_value for m in c.metrics)]


def test_birth_alias_data_device_and_death(servers: Servers, collector: Collector) -> None:
    gw = "sp-gw-1"
    node = node_for(servers, gw)
    t0 = now_ms() - 10_000
    node.birth(BIRTH, ts=t0).wait_for_publish(5)
    node.device_birth(DEVICE, TAHU_DEVICE_METRICS, ts=t0 + 1).wait_for_publish(5)
    # NDATA after the birth names metrics by alias only; Float 0.015 s -> 15 ms; Int32 -101 as Tahu encodes it.
    node.data([M("", pb.Int32, -101, alias=1), M("", pb.Float, 0.015, alias=2)], ts=t0 + 2)
    node.data([M("output/Device Metric2", pb.Int16, 18)], ts=t0 + 3, device=DEVICE)
    where = f"WHERE gateway = '{gw}'"
    wait_for(lambda: count_points(servers.rows, field="seq", where=where) == 4, what="4 kpi points")
    rows = servers.rows(
        f"SELECT temp_c, rsrp_dbm, rtt_ms, agv_speed_mps, {TAG_USE_CASE}, {TAG_SCENARIO}, {FIELD_SLA_OK}"
        f" FROM {MEASUREMENT_KPI} {where}"
    )
    values = [row[1:5] for row in rows]
    assert values[0] == [13.0, -95.0, pytest.approx(12.0, rel=1e-5), None]  # the NBIRTH's own values
    assert values[1] == [None, None, None, 8.0]  # DBIRTH: 16 * 0.5
    assert values[2] == [None, -101.0, pytest.approx(15.0, rel=1e-5), None]
    assert values[3] == [None, None, None, 9.0]
    assert {(row[5], row[6]) for row in rows} == {("11", "agv")}, "tagged from the registry like our own samples"
    assert all(row[7] is not None for row in rows), "SLA-checked against the agv profile"
    status = lambda: servers.rows(f"SELECT {FIELD_ONLINE} FROM {MEASUREMENT_GATEWAY_STATUS} {where}")  # noqa: E731
    wait_for(lambda: [r[1] for r in status()] == [True], what="online after NBIRTH")
    node.death().wait_for_publish(5)
    wait_for(lambda: [r[1] for r in status()][-1:] == [False], what="offline after NDEATH")
    assert dead_letters(servers, gw) == []
    assert rebirths(node) == []
    node.close()


def test_seq_gap_unknown_alias_and_data_before_birth_ask_for_rebirth(servers: Servers, collector: Collector) -> None:
    gw = "sp-gw-2"
    node = node_for(servers, gw)
    t0 = now_ms() - 20_000
    node.data([M("", pb.Int32, -90, alias=1)], ts=t0, seq=7).wait_for_publish(5)  # no birth yet
    wait_for(lambda: len(rebirths(node)) == 1, what="a rebirth request for data before NBIRTH")
    node.birth(BIRTH, ts=t0 + 1)  # seq 0
    node.data([M("", pb.Int32, -91, alias=1)], ts=t0 + 2)  # seq 1
    node.data([M("", pb.Int32, -92, alias=1)], ts=t0 + 3, seq=5)  # 2..4 lost
    node.data([M("", pb.Int32, -93, alias=1)], ts=t0 + 4, seq=6)  # in order after the gap: flows again
    node.data([M("", pb.Int32, -94, alias=9)], ts=t0 + 5, seq=7).wait_for_publish(5)  # alias 9 never born
    wait_for(lambda: len(dead_letters(servers, gw)) == 3, what="3 dead letters")
    reasons = {reason: detail for reason, detail in dead_letters(servers, gw)}
    assert set(reasons) == {Reason.SPARKPLUG_NO_BIRTH, Reason.SPARKPLUG_SEQ, Reason.SPARKPLUG_ALIAS}
    assert "seq 5 after 1 (expected 2)" in reasons[Reason.SPARKPLUG_SEQ]
    assert "alias 9" in reasons[Reason.SPARKPLUG_ALIAS]
    wait_for(lambda: len(rebirths(node)) == 3, what="rebirth requested for the gap and the unknown alias")
    rsrp = [row[1] for row in servers.rows(f"SELECT rsrp_dbm FROM {MEASUREMENT_KPI} WHERE {TAG_GATEWAY} = '{gw}'")]
    assert rsrp == [-95.0, -91.0, -93.0]  # birth, seq 1, seq 6: the gap's message and the bad alias are out
    # The node answers the request as Tahu's example does: a new birth, and its data is accepted again.
    node.birth(BIRTH, ts=t0 + 6)
    node.data([M("", pb.Int32, -99, alias=1)], ts=t0 + 7).wait_for_publish(5)
    wait_for(lambda: count_points(servers.rows, field="rsrp_dbm", where=f"WHERE gateway = '{gw}'") == 5, what="5")
    node.close()


def test_malformed_protobuf_and_undeclared_node_are_dead_lettered(servers: Servers, collector: Collector) -> None:
    gw = "sp-gw-3"
    node = node_for(servers, gw)
    node.birth(BIRTH).wait_for_publish(5)
    node.publish("NDATA", b"\x0a\xff\xff\xff\xff\xff not protobuf").wait_for_publish(5)
    stranger = EdgeNode(servers.broker.port, GROUP, "Nobody Declared")
    stranger.birth(BIRTH).wait_for_publish(5)
    node.data([M("", pb.Int32, -80, alias=1)], seq=1).wait_for_publish(5)  # a bad payload has no seq to count
    wait_for(lambda: dead_letters(servers, gw), what="the malformed payload's dead letter")
    assert [reason for reason, _ in dead_letters(servers, gw)] == [Reason.PROTOBUF]
    unknown = lambda: servers.rows(  # noqa: E731
        f"SELECT {TAG_REASON}, {FIELD_DETAIL} FROM {MEASUREMENT_DEAD_LETTER} WHERE {TAG_GATEWAY} = '{UNKNOWN_GATEWAY}'"
    )
    wait_for(lambda: any("Nobody Declared" in row[2] for row in unknown()), what="the undeclared node's dead letter")
    assert {row[1] for row in unknown()} == {Reason.UNKNOWN_GATEWAY}
    assert collector.pipeline.alive
    wait_for(lambda: count_points(servers.rows, field="rsrp_dbm", where=f"WHERE gateway = '{gw}'") == 2, what="2")
    # The connection drops without a DISCONNECT: the broker publishes the NDEATH last will, whose payload
    # timestamp is from before the birth; the gateway still ends offline.
    status = lambda: [  # noqa: E731
        r[1]
        for r in servers.rows(f"SELECT {FIELD_ONLINE} FROM {MEASUREMENT_GATEWAY_STATUS} WHERE {TAG_GATEWAY} = '{gw}'")
    ]
    assert status() == [True]
    node.client.socket().close()
    wait_for(lambda: status() == [True, False], what="offline after the last will")
    node.client.loop_stop()
    stranger.close()


def test_tahu_integer_encodings_decode_to_their_values() -> None:
    decoded = pb.Payload.FromString(payload(TAHU_DATATYPE_LIMITS, 0, now_ms()))
    assert [metric_number(m, m.datatype) for m in decoded.metrics] == [m.value for m in TAHU_DATATYPE_LIMITS]


def test_sessions_survive_a_restart_from_their_file(tmp_path: Path) -> None:
    """Aliases born before a crash still resolve the data the broker redelivers after it."""
    mapping = SparkplugNode(GROUP, "N", {(None, "Modem/RSRP"): MetricMap("rsrp_dbm")})
    info = GatewayInfo("gw", True, "agv", (), sparkplug=mapping)
    topic = parse_sparkplug_topic(sparkplug_node_topic(GROUP, "NBIRTH", "N"))
    data_topic = parse_sparkplug_topic(sparkplug_node_topic(GROUP, "NDATA", "N"))
    assert topic is not None and data_topic is not None
    ts = now_ms()
    first = SparkplugSessions(tmp_path / "s.json")
    first.process(topic, payload([M("bdSeq", pb.Int64, 3), M("Modem/RSRP", pb.Int32, -95, alias=4)], 0, ts), info, ts)
    second = SparkplugSessions(tmp_path / "s.json")
    outcome = second.process(data_topic, payload([M("", pb.Int32, -97, alias=4)], 9, ts, names=False), info, ts)
    assert outcome.rejections == [] and [s.kpis for s in outcome.samples] == [{"rsrp_dbm": -97.0}]


KINDS = ["NBIRTH", "NDATA", "NDEATH", "DBIRTH", "DDATA", "DDEATH"]
KNOWN_REASONS = {value for name, value in vars(Reason).items() if name.isupper()} - {Reason.INTERNAL}


def _structured() -> st.SearchStrategy[bytes]:
    """Payloads that decode: any datatype number with any value field, aliases, nulls, odd seq and timestamps."""
    metric = st.fixed_dictionaries(
        {
            "name": st.sampled_from(["", "bdSeq", "Modem/RSRP", "Net/RTT s", "Node Metric2", "x" * 300]),
            "alias": st.one_of(st.none(), st.integers(0, 2**64 - 1)),
            "datatype": st.integers(0, 40),
            "timestamp": st.integers(0, 2**64 - 1),
            "value": st.one_of(
                st.integers(0, 2**32 - 1).map(lambda v: ("int_value", v)),
                st.integers(0, 2**64 - 1).map(lambda v: ("long_value", v)),
                st.floats(allow_nan=True, allow_infinity=True, width=32).map(lambda v: ("float_value", v)),
                st.floats(allow_nan=True, allow_infinity=True).map(lambda v: ("double_value", v)),
                st.booleans().map(lambda v: ("boolean_value", v)),
                st.text(max_size=20).map(lambda v: ("string_value", v)),
                st.just(("is_null", True)),
            ),
        }
    )

    def build(items: list[dict], seq: int | None, ts: int | None) -> bytes:
        message = pb.Payload()
        if seq is not None:
            message.seq = seq
        if ts is not None:
            message.timestamp = ts
        for item in items:
            metric_pb = message.metrics.add(name=item["name"], datatype=item["datatype"], timestamp=item["timestamp"])
            if item["alias"] is not None:
                metric_pb.alias = item["alias"]
            setattr(metric_pb, *item["value"])
        return message.SerializeToString()

    seqs = st.one_of(st.none(), st.integers(0, 2**64 - 1))
    return st.builds(build, st.lists(metric, max_size=6), seqs, st.one_of(st.none(), st.integers(0, 2**64 - 1)))


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(KINDS),
            st.one_of(_structured(), st.binary(max_size=200), _structured().map(lambda b: b[: len(b) // 2])),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_message_sequence_is_samples_or_reasoned_dead_letters(steps: list[tuple[str, bytes]]) -> None:
    """Whatever a node sends, in whatever order: nothing raises, nothing is an internal error, every rejection
    has a known reason, and every sample holds only mapped KPIs inside their ranges."""
    from collector.enrich import parse_directory
    from i5g.contract import KPIS

    info = parse_directory({"gateways": [declared("sp-fuzz", "N")]})["sp-fuzz"]
    sessions = SparkplugSessions(None, rebirth_min_s=0)
    now = 1_800_000_000_000
    for kind, body in steps:
        topic = parse_sparkplug_topic(sparkplug_node_topic(GROUP, kind, "N", DEVICE if kind[0] == "D" else None))
        assert topic is not None
        outcome = sessions.process(topic, body, info, now)
        assert {r.reason for r in outcome.rejections} <= KNOWN_REASONS, outcome.rejections
        for sample in outcome.samples:
            for name, value in sample.kpis.items():
                assert KPIS[name].minimum <= value <= KPIS[name].maximum


def test_declared_through_the_registry_and_online_in_it(
    mosquitto, influxdb, registry_server, tmp_path: Path, start_collector
) -> None:
    """The whole chain against the REAL registry: a node declared over REST after the collector started is
    picked up at its first message (forced directory refresh), and its births and deaths reach the registry's
    online flag through the collector's status reports."""
    use_case = registry_server.create_use_case("agv")
    registry_server.create_gateway("sp-live", use_case_id=use_case["id"])
    settings = settings_for(
        mosquitto,
        influxdb.v2_url,
        influxdb.database,
        tmp_path / "state",
        registry_url=registry_server.url,
        registry_token=registry_server.collector_token,
        directory_forced_refresh_min_s=0,
        registry_timeout_s=10,  # the forced refresh must not time out on a loaded machine (the default here: 0.5)
    )
    start_collector(settings)
    body = {
        "group_id": GROUP,
        "edge_node_id": "Live Node",
        "metrics": [{"metric": "Net/RTT s", "kpi": "rtt_ms", "scale": 1000}],
    }
    assert registry_server.request("PUT", "/api/v1/gateways/sp-live/sparkplug", json=body).status_code == 200
    node = EdgeNode(mosquitto.port, GROUP, "Live Node")
    # Two distinct timestamps: a birth and data stamped in the same millisecond are one InfluxDB point.
    born = now_ms()
    node.birth(BIRTH, ts=born).wait_for_publish(5)
    node.data([M("", pb.Float, 0.02, alias=2)], ts=born + 1).wait_for_publish(5)
    rows = lambda: influxdb.series_values(  # noqa: E731
        f"SELECT rtt_ms, {TAG_USE_CASE} FROM {MEASUREMENT_KPI} WHERE {TAG_GATEWAY} = 'sp-live'"
    )
    wait_for(lambda: len(rows()) == 2, what="the birth's and the data's rtt")
    assert [(round(r[1], 3), r[2]) for r in rows()] == [(12.0, str(use_case["id"])), (20.0, str(use_case["id"]))]
    online = lambda: registry_server.request("GET", "/api/v1/gateways/sp-live").json()["online"]  # noqa: E731
    wait_for(online, what="online in the registry after NBIRTH")
    node.death().wait_for_publish(5)
    wait_for(lambda: not online(), what="offline in the registry after NDEATH")
    node.close()
