"""Two collector replicas on one share group: each gets every Sparkplug birth (its own share group), the data is
split between them, and every NDATA resolves its aliases on whichever replica it lands."""

from __future__ import annotations

from pathlib import Path

from collector.sparkplug_proto import sparkplug_b_pb2 as pb
from i5g.contract import MEASUREMENT_DEAD_LETTER, TAG_REASON
from tests.collector.conftest import count_points, settings_for, wait_for, write_directory_cache
from tests.collector.sparkplug_node import EdgeNode, M, now_ms
from tests.collector.test_sparkplug import BIRTH, GROUP, declared


def test_two_replicas_both_know_the_births(mosquitto, influxdb, tmp_path: Path, start_collector) -> None:
    collectors = []
    for replica in ("r1", "r2"):
        write_directory_cache(tmp_path / replica, [declared("sp-rep", "Rep Node")])
        settings = settings_for(
            mosquitto,
            influxdb.v2_url,
            influxdb.database,
            tmp_path / replica,
            replica=replica,
            sparkplug_seq_check=False,
        )
        collectors.append(start_collector(settings))
    node = EdgeNode(mosquitto.port, GROUP, "Rep Node")
    t0 = now_ms() - 10_000
    node.birth(BIRTH, ts=t0).wait_for_publish(5)
    infos = [node.data([M("", pb.Int32, -70 - i % 20, alias=1)], ts=t0 + 1 + i) for i in range(200)]
    for info in infos:
        info.wait_for_publish(5)
    wait_for(lambda: count_points(influxdb.series_values, field="rsrp_dbm") == 201, what="birth + 200 NDATA")
    received = [c.metrics.snapshot()["received"] for c in collectors]
    assert min(received) > 30, f"the data was not shared: {received}"
    assert influxdb.series_values(f"SELECT {TAG_REASON} FROM {MEASUREMENT_DEAD_LETTER}") == []
    node.close()
