"""Property-based fuzzing of the collector's whole per-message path: decode, validate, enrich, line protocol.

tests/collector/test_validate.py fuzzes `decode_telemetry` alone (300 examples). This goes through
`Pipeline._process` - what the writer thread does with every MQTT delivery - with 10,000+ generated topics and
payloads: random bytes, non-UTF-8, huge, deeply nested, NaN/Infinity, duplicate keys, wrong types, negative
and far-future timestamps, lone surrogates, unknown and disabled gateways. The properties:

- nothing raises, and nothing is filed as `internal_error` (a bug in validate.py);
- every message ends as stored points or dead letters with a known reason, and for a message whose envelope is
  valid every sample is accounted for: points + dead-lettered samples == samples sent;
- every line is one line of valid UTF-8 (a raw newline would inject a second point; a lone surrogate would
  make InfluxDB writes of the whole batch fail forever).

Derandomized so CI sees the same 10,000 inputs every run; I5G_LONG=1 runs 100,000.
"""

from __future__ import annotations

import json
import logging
import queue
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.enrich import GatewayDirectory
from collector.intake import Delivery
from collector.metrics import CollectorMetrics
from collector.pipeline import Batch, Pipeline
from collector.status import StatusReporter
from collector.validate import Reason
from i5g.contract import (
    CTX_KEYS,
    KPIS,
    MAX_FUTURE_SKEW_MS,
    MAX_PAYLOAD_BYTES,
    MAX_SAMPLE_AGE_MS,
    MEASUREMENT_DEAD_LETTER,
    MEASUREMENT_GATEWAY_STATUS,
    MEASUREMENT_KPI,
    TAG_REASON,
    encode_telemetry,
    status_topic,
    telemetry_topic,
)
from tests.faults.harness import LONG, directory_entries

NOW = 1_800_000_000_000
GATEWAY, DISABLED = "gw-fuzz-1", "gw-fuzz-off"
REASONS = {value for name, value in vars(Reason).items() if name.isupper()} - {Reason.INTERNAL}
MEASUREMENTS = {MEASUREMENT_KPI, MEASUREMENT_DEAD_LETTER, MEASUREMENT_GATEWAY_STATUS}


def _no_registry() -> dict:
    raise ConnectionError("no registry in the fuzz test")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    cache = tmp_path_factory.mktemp("fuzz") / "directory.json"
    entries = directory_entries([GATEWAY, DISABLED])
    entries[1]["enabled"] = False
    cache.write_text(json.dumps({"gateways": entries}), "utf-8")
    directory = GatewayDirectory(_no_registry, Path(cache), refresh_s=3600, forced_refresh_min_s=3600)
    assert directory.load_cache_file()
    # Dead letters are logged one by one; 10,000 of them would only slow the run down.
    logger = logging.getLogger("i5g.collector")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield Pipeline(
        replica="fuzz", deliveries=queue.Queue(), directory=directory, writer=None, ack=len,  # type: ignore[arg-type]
        status=StatusReporter(lambda statuses: None, 3600), metrics=CollectorMetrics(), batch_max_lines=5000,
        flush_interval_ms=200, receive_maximum=100, metrics_interval_s=3600,
    )  # fmt: skip
    logger.setLevel(level)


# ------------------------------------------------------------------------------------------------ strategies

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)  # surrogates included
numbers = (
    st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0, -0.0, 1e308, -1e-320, 2**63, 2**63 - 1, -1])
)
scalars = st.none() | st.booleans() | numbers | any_text
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3), max_leaves=4
)
timestamps = (
    st.integers(NOW - MAX_SAMPLE_AGE_MS - 1000, NOW + MAX_FUTURE_SKEW_MS + 1000)
    | st.integers(-(2**66), 2**66)
    | st.sampled_from([NOW, NOW - MAX_SAMPLE_AGE_MS, NOW + MAX_FUTURE_SKEW_MS, 0, -1, 2**63])
    | json_values
)
kpi_names = st.sampled_from(sorted(KPIS)) | any_text
kpi_values = numbers | json_values
ctx = st.dictionaries(st.sampled_from(sorted(CTX_KEYS)) | any_text, any_text | json_values, max_size=3)
sample = st.fixed_dictionaries(
    {
        "ts": timestamps,
        "seq": st.integers(-5, 2**64) | json_values,
        "kpis": st.dictionaries(kpi_names, kpi_values, max_size=3),
    },
    optional={"ctx": ctx | json_values, "extra": json_values},
)
envelope = st.fixed_dictionaries(
    {
        "v": st.just(1) | json_values,
        "gw": st.sampled_from([GATEWAY, DISABLED, "gw-unknown-9"]) | any_text,
        "samples": st.lists(sample | json_values, max_size=4),
    },
    optional={"extra": json_values},
)


def _json(document: object) -> bytes:
    # allow_nan: NaN, Infinity and -Infinity tokens are what a sloppy encoder sends.
    return json.dumps(document, allow_nan=True).encode()


def _duplicate_key(document: dict) -> bytes:
    text = _json(document)
    return b'{"v":1,' + text[1:] if text != b"{}" else b'{"v":1,"v":1}'


def _flip(payload: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(payload)
    for index, byte in edits:
        if data:
            data[index % len(data)] = byte
    return bytes(data)


good_payload = st.builds(
    lambda ts, seq: encode_telemetry(GATEWAY, [{"ts": ts, "seq": seq, "kpis": {"rtt_ms": 12.5, "pci": 7}}]),
    st.integers(NOW - 1000, NOW),
    st.integers(0, 2**40),
)
# Structured: JSON documents shaped like telemetry with wrong parts (draw-heavy, so fewer examples).
structured_payloads = st.one_of(envelope.map(_json), envelope.map(_duplicate_key), json_values.map(_json))
# Byte-level: damaged, non-UTF-8, nested, huge and random payloads (cheap to draw).
byte_payloads = st.one_of(
    st.builds(_flip, good_payload, st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4)),
    good_payload.map(lambda p: p[:40] + b"\xff\xfe" + p[40:]),  # not UTF-8
    st.integers(1, 5_000).map(lambda n: b"[" * n + b"]" * n),  # deeply nested
    st.integers(1, 5_000).map(lambda n: b'{"v":' * n + b"1" + b"}" * n),
    st.sampled_from([MAX_PAYLOAD_BYTES - 64, MAX_PAYLOAD_BYTES + 1, 4 * MAX_PAYLOAD_BYTES]).map(
        lambda n: b'{"v":1,"gw":"gw-fuzz-1","samples":[' + b" " * n + b"]}"
    ),
    st.integers(501, 520).map(
        lambda n: _json({"v": 1, "gw": GATEWAY, "samples": [{"ts": NOW, "seq": 1, "kpis": {}}] * n})
    ),
    st.binary(max_size=300),
)
topics = st.sampled_from(
    [telemetry_topic(GATEWAY)] * 6
    + [status_topic(GATEWAY), telemetry_topic(DISABLED), telemetry_topic("gw-unknown-9"), status_topic(DISABLED)]
    + ["i5g/v1/GW!/telemetry", "i5g/v1/gw-fuzz-1/telemetry/x", "i5g/v1//telemetry", "i5g/v2/gw-fuzz-1/telemetry", ""]
) | st.text(max_size=60)

_REASON_TAG = re.compile(rf",{TAG_REASON}=([^, ]+)")


def _strict_pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    if len({key for key, _ in pairs}) != len(pairs):
        raise ValueError("duplicate key")
    return dict(pairs)


def _no_constants(name: str) -> object:
    raise ValueError(name)


def _samples_sent(payload: bytes) -> int | None:
    """How many samples the message carries when its envelope is one the collector must take apart sample by
    sample (strict JSON, v 1, our gateway, 1-500 samples); None for a message that is rejected whole."""
    try:
        document = json.loads(payload, object_pairs_hook=_strict_pairs, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or set(document) != {"v", "gw", "samples"} or len(payload) > MAX_PAYLOAD_BYTES:
        return None
    v, items = document["v"], document["samples"]
    if type(v) is not int or v != 1 or document["gw"] != GATEWAY or not isinstance(items, list):
        return None
    return len(items) if 0 < len(items) <= 500 else None


def fuzz_settings(examples: int) -> settings:
    """`examples` per run (x10 with I5G_LONG=1); derandomized, so CI sees the same inputs every run."""
    return settings(
        max_examples=examples * (10 if LONG else 1),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


def check_message(pipeline: Pipeline, topic: str, payload: bytes) -> None:
    batch = Batch()
    pipeline._process(Delivery(topic, payload, 1, 1, False, NOW, 1), batch)

    assert batch.points + batch.dead_letters >= 1, "the message vanished"
    for line in batch.lines:
        line.encode("utf-8")  # raises on a lone surrogate
        assert "\n" not in line and "\r" not in line
        assert line.split(",", 1)[0] in MEASUREMENTS, line[:80]
        if line.startswith(f"{MEASUREMENT_DEAD_LETTER},"):
            reason = _REASON_TAG.search(line)
            assert reason and reason.group(1) in REASONS, line[:200]
    sent = _samples_sent(payload) if topic == telemetry_topic(GATEWAY) else None
    if sent is not None:  # every sample is a point or a dead letter of its own
        assert batch.points + batch.dead_letters == sent, (batch.points, batch.dead_letters, sent)


# 3,000 + 7,000 = 10,000 generated topics and payloads per run.
@fuzz_settings(3_000)
@given(topic=topics, payload=structured_payloads)
def test_structured_payloads_are_stored_or_dead_lettered_with_a_reason(
    pipeline: Pipeline, topic: str, payload: bytes
) -> None:
    check_message(pipeline, topic, payload)


@fuzz_settings(7_000)
@given(topic=topics, payload=byte_payloads)
def test_damaged_payloads_are_stored_or_dead_lettered_with_a_reason(
    pipeline: Pipeline, topic: str, payload: bytes
) -> None:
    check_message(pipeline, topic, payload)
