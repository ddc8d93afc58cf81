"""decode_telemetry / decode_status: the pure contract check (no servers)."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.validate import Reason, decode_status, decode_telemetry
from i5g.contract import MAX_FUTURE_SKEW_MS, MAX_PAYLOAD_BYTES, MAX_SAMPLE_AGE_MS, encode_status, encode_telemetry

NOW = 1_800_000_000_000
TOPIC = "i5g/v1/gw-1/telemetry"


def sample(ts: int = NOW - 1000, seq: int = 1, **kpis: object) -> dict:
    return {"ts": ts, "seq": seq, "kpis": kpis or {"rtt_ms": 10}}


def reasons(payload: bytes, topic: str = TOPIC) -> list[str]:
    return [r.reason for r in decode_telemetry(topic, payload, NOW).rejections]


def test_good_message_decodes_with_contract_types() -> None:
    decoded = decode_telemetry(TOPIC, encode_telemetry("gw-1", [sample(rtt_ms=10, pci=5.0)]), NOW)
    assert decoded.rejections == ()
    (good,) = decoded.samples
    assert good.kpis == {"rtt_ms": 10.0, "pci": 5}
    assert isinstance(good.kpis["rtt_ms"], float) and isinstance(good.kpis["pci"], int)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", Reason.JSON),
        (b"\xff\xfe{}", Reason.ENCODING),
        (b'{"v":1,"gw":"gw-1","gw":"gw-1","samples":[]}', Reason.DUPLICATE_KEY),
        (b'{"v":1,"gw":"gw-1","samples":[{"ts":1,"seq":1,"kpis":{"rtt_ms":NaN}}]}', Reason.JSON),
        (b"[1, 2]", Reason.ENVELOPE),
        (b'{"v":2,"gw":"gw-1","samples":[]}', Reason.VERSION),
        (b'{"v":true,"gw":"gw-1","samples":[]}', Reason.VERSION),
        (encode_telemetry("gw-2", [sample()]), Reason.GATEWAY_MISMATCH),
        (b'{"v":1,"gw":"gw-1","samples":[]}', Reason.ENVELOPE),
        (b'{"v":1,"gw":"gw-1","samples":[],"x":1}', Reason.ENVELOPE),
        (encode_telemetry("gw-1", [sample(seq=i, ts=NOW - i) for i in range(501)]), Reason.TOO_MANY_SAMPLES),
        (b" " * (MAX_PAYLOAD_BYTES + 1), Reason.OVERSIZED),
        (b"[" * 100_000, Reason.JSON),
    ],
)
def test_bad_messages_are_rejected_whole(payload: bytes, reason: str) -> None:
    decoded = decode_telemetry(TOPIC, payload, NOW)
    assert decoded.samples == ()
    assert [r.reason for r in decoded.rejections] == [reason]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (sample(ts=NOW + MAX_FUTURE_SKEW_MS + 1), Reason.FUTURE),
        (sample(ts=NOW - MAX_SAMPLE_AGE_MS - 1), Reason.TOO_OLD),
        (sample(ts="1"), Reason.TIMESTAMP),
        (sample(ts=True), Reason.TIMESTAMP),
        (sample(seq=-1), Reason.SEQ),
        (sample(seq=2**63), Reason.SEQ),
        (sample(bogus_kpi=1), Reason.UNKNOWN_KPI),
        (sample(rtt_ms="12"), Reason.KPI_TYPE),
        (sample(rtt_ms=True), Reason.KPI_TYPE),
        (sample(rtt_ms=None), Reason.KPI_TYPE),
        (sample(pci=1.5), Reason.KPI_TYPE),
        (sample(rtt_ms=-1), Reason.KPI_RANGE),
        (sample(rsrp_dbm=-20), Reason.KPI_RANGE),
        ({"ts": NOW, "seq": 1, "kpis": {}}, Reason.SAMPLE),
        ({"ts": NOW, "seq": 1, "kpis": {"rtt_ms": 1}, "extra": 1}, Reason.SAMPLE),
        ({**sample(), "ctx": {"rat": "x" * 65}}, Reason.CTX),
        ({**sample(), "ctx": {"color": "red"}}, Reason.CTX),
        ("not a sample", Reason.SAMPLE),
    ],
)
def test_bad_sample_is_rejected_alone(bad: object, reason: str) -> None:
    good_before, good_after = sample(ts=NOW - 5000, seq=1), sample(ts=NOW - 4000, seq=3)
    decoded = decode_telemetry(TOPIC, encode_telemetry("gw-1", [good_before, bad, good_after]), NOW)
    assert [s.seq for s in decoded.samples] == [1, 3]
    assert [r.reason for r in decoded.rejections] == [reason]
    assert decoded.rejections[0].detail.startswith("samples[1]")


def test_huge_float_is_not_finite() -> None:
    payload = b'{"v":1,"gw":"gw-1","samples":[{"ts":%d,"seq":1,"kpis":{"rtt_ms":1e999}}]}' % NOW
    assert reasons(payload) == [Reason.KPI_TYPE]


def test_duplicate_ts_within_a_message_is_rejected() -> None:
    decoded = decode_telemetry(TOPIC, encode_telemetry("gw-1", [sample(seq=1), sample(seq=2)]), NOW)
    assert [s.seq for s in decoded.samples] == [1]
    assert [r.reason for r in decoded.rejections] == [Reason.DUPLICATE_TS]


def test_topic_outside_the_contract() -> None:
    decoded = decode_telemetry("i5g/v1/GW!/telemetry", encode_telemetry("gw-1", [sample()]), NOW)
    assert decoded.gateway == "unknown" and [r.reason for r in decoded.rejections] == [Reason.TOPIC]


def test_status_decoding() -> None:
    report = decode_status("i5g/v1/gw-1/status", encode_status("gw-1", False, agent_version="1.0", dropped=3))
    assert not isinstance(report, type(None))
    assert (report.online, report.agent_version, report.dropped, report.ts) == (False, "1.0", 3, None)
    assert decode_status("i5g/v1/gw-1/status", b'{"v":1,"gw":"gw-1","online":"yes"}').reason == Reason.STATUS
    assert decode_status("i5g/v1/gw-1/status", b'{"v":1,"gw":"gw-2","online":true}').reason == Reason.GATEWAY_MISMATCH
    # Remote configuration fields (edge_agent/remote.py): applied version and the last rejection, checked.
    body = encode_status("gw-1", True, applied_version=3, config_rejected={"version": None, "reason": "too large"})
    report = decode_status("i5g/v1/gw-1/status", body)
    assert (report.applied_version, report.config_rejected) == (3, (None, "too large"))
    bad_fields = [
        '"applied_version":-1',
        '"applied_version":"3"',
        '"config_rejected":{"reason":1}',
        '"config_rejected":{"version":1,"reason":"x","extra":1}',
        '"config_rejected":{"reason":"' + "x" * 501 + '"}',
    ]
    for bad in bad_fields:
        payload = ('{"v":1,"gw":"gw-1","online":true,' + bad + "}").encode()
        assert decode_status("i5g/v1/gw-1/status", payload).reason == Reason.STATUS, bad


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)
kpi_names = st.sampled_from(["rtt_ms", "pci", "rsrp_dbm", "nope", "loss_pct"])
samples_st = st.fixed_dictionaries(
    {
        "ts": st.integers(NOW - 2 * MAX_SAMPLE_AGE_MS, NOW + 2 * MAX_FUTURE_SKEW_MS) | json_values,
        "seq": st.integers(-5, 2**64) | json_values,
        "kpis": st.dictionaries(kpi_names, st.floats() | st.integers() | json_values, max_size=4) | json_values,
    },
    optional={"ctx": json_values},
)


@settings(max_examples=10_000 if os.environ.get("I5G_LONG") == "1" else 300, deadline=None)
@given(
    st.binary(max_size=200)
    | st.builds(lambda s: json.dumps({"v": 1, "gw": "gw-1", "samples": s}).encode(), st.lists(samples_st, max_size=5))
)
def test_decode_never_raises_and_accounts_for_every_sample(payload: bytes) -> None:
    decoded = decode_telemetry(TOPIC, payload, NOW)
    assert all(r.reason != Reason.INTERNAL for r in decoded.rejections), decoded.rejections
    try:
        items = json.loads(payload)["samples"]
    except Exception:
        return
    if isinstance(items, list) and decoded.samples:
        assert len(decoded.samples) + len(decoded.rejections) == len(items)
    assert not isinstance(decode_status("i5g/v1/gw-1/status", payload), Exception)
