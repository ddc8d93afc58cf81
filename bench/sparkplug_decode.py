"""Sparkplug B decode cost against our own JSON payload, measured in the same run.

    .venv/bin/python bench/sparkplug_decode.py [--messages 20000] [--metrics 10]

Baseline: `collector.validate.decode_telemetry` of one contract message with one sample of `--metrics` KPIs.
Sparkplug: `SparkplugSessions.process` of an NDATA carrying the same values by alias (after an NBIRTH that
defined them, with a mapping for each), which decodes the protobuf, checks seq, resolves aliases, converts and
range-checks each value into the same GoodSample. Both are the collector's per-message work before the
tagging, SLA and line building they then share. Prints messages/s for each and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collector.enrich import GatewayInfo, MetricMap, SparkplugNode
from collector.sparkplug import SparkplugSessions
from collector.sparkplug_proto import sparkplug_b_pb2 as pb
from collector.validate import decode_telemetry
from i5g.contract import KPIS, encode_telemetry, parse_sparkplug_topic, sparkplug_node_topic, telemetry_topic
from tests.collector.sparkplug_node import M, payload


def rate(work, count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        work(index)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--metrics", type=int, default=10)
    args = parser.parse_args()
    names = [kpi.name for kpi in KPIS.values() if not kpi.integer and kpi.minimum <= 1.0 <= kpi.maximum]
    names = names[: args.metrics]
    now = int(time.time() * 1000)

    body = encode_telemetry("gw-bench", [{"ts": now, "seq": 1, "kpis": {name: 1.0 for name in names}}])
    topic = telemetry_topic("gw-bench")
    json_rate = rate(lambda i: decode_telemetry(topic, body, now), args.messages)

    mapping = {(None, f"m/{name}"): MetricMap(name) for name in names}
    info = GatewayInfo("gw-bench", True, "agv", (), sparkplug=SparkplugNode("G", "N", mapping))
    sessions = SparkplugSessions(None, seq_check=False)
    birth = [M("bdSeq", pb.Int64, 0), *(M(f"m/{n}", pb.Double, 1.0, alias=a) for a, n in enumerate(names, 1))]
    sessions.process(parse_sparkplug_topic(sparkplug_node_topic("G", "NBIRTH", "N")), payload(birth, 0, now), info, now)
    data = payload([M("", pb.Double, 1.0, alias=a) for a in range(1, len(names) + 1)], 1, now, names=False)
    data_topic = parse_sparkplug_topic(sparkplug_node_topic("G", "NDATA", "N"))
    outcome = sessions.process(data_topic, data, info, now)
    assert not outcome.rejections and len(outcome.samples[0].kpis) == len(names)
    sp_rate = rate(lambda i: sessions.process(data_topic, data, info, now), args.messages)

    print(f"{len(names)} KPIs per message, {args.messages} messages each")
    print(f"JSON (baseline)  {json_rate:10.0f} msg/s  {len(body)} bytes")
    print(f"Sparkplug NDATA  {sp_rate:10.0f} msg/s  {len(data)} bytes")
    print(f"ratio Sparkplug/JSON: {sp_rate / json_rate:.2f}x throughput, {len(data) / len(body):.2f}x size")


if __name__ == "__main__":
    main()
