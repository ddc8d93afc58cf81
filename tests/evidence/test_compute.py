"""The pure evidence computation: TS 22.104 availability with survival time, no-data, percentile sketch, and the
chunking invariance the rollup job relies on."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.evidence import compute
from registry.evidence.compute import MINUTE_MS, RawSample, StatusEvent

AGV = compute.profile_of("agv")  # survival time 50 ms, availability target 99.9999 %
T0 = 1_700_000_040_000  # a whole minute
GAP = 3000


def ok(ts: int, rtt: float = 10.0) -> RawSample:
    return RawSample(ts, True, {"rtt_ms": rtt}, {"rtt_ms": True})


def bad(ts: int, rtt: float = 90.0) -> RawSample:
    return RawSample(ts, False, {"rtt_ms": rtt}, {"rtt_ms": False})


def shares(samples: list[RawSample], start: int = T0, end: int = T0 + MINUTE_MS) -> compute.MinuteAggregate:
    minutes = compute.minute_aggregates("gw-1", samples, start=start, end=end, profile=AGV, gap_ms=GAP)
    return compute.totals(minutes.values())


def test_profile_figures_come_from_the_scenario() -> None:
    assert AGV.survival_ms == 50
    assert AGV.availability_target_pct == 99.9999
    assert {b.kpi for b in AGV.bounds} >= {"rtt_ms", "loss_pct", "ul_mbps"}


def test_breach_no_longer_than_survival_time_leaves_service_available() -> None:
    samples = [ok(T0 + i * 1000) for i in range(61)]
    samples[10] = bad(T0 + 10_000)
    samples.insert(11, ok(T0 + 10_040))  # the breach lasts 40 ms < 50 ms survival time
    total = shares(samples)
    assert (total.avail_ms, total.unavail_ms) == (MINUTE_MS, 0)


def test_breach_longer_than_survival_time_is_unavailable_after_the_survival_time() -> None:
    samples = [ok(T0 + i * 1000) for i in range(61)]
    for i in range(10, 15):
        samples[i] = bad(T0 + i * 1000)  # 10.000 s .. 15.000 s: a 5 s breach
    total = shares(samples)
    assert total.unavail_ms == 5000 - 50
    assert total.avail_ms == MINUTE_MS - 4950
    minute = compute.minute_aggregates("gw-1", samples, start=T0, end=T0 + MINUTE_MS, profile=AGV, gap_ms=GAP)[T0]
    assert (minute.unavail_start, minute.unavail_end) == (T0 + 10_050, T0 + 15_000)
    assert minute.kpis["rtt_ms"].bad == 5


def test_time_without_samples_is_no_data_never_available() -> None:
    samples = [ok(T0 + i * 1000) for i in range(0, 20)] + [ok(T0 + i * 1000) for i in range(50, 61)]
    total = shares(samples)
    # sample 19 stands for 3 s (the gap limit); 22 s .. 50 s has no data
    assert total.avail_ms == 20_000 + 2000 + 10_000
    result = compute.availability(total, MINUTE_MS, AGV.availability_target_pct)
    assert result.no_data_pct == round(100 * 28_000 / MINUTE_MS, 6)
    assert result.compliant is False


def test_no_samples_at_all_has_no_availability_and_no_verdict() -> None:
    result = compute.availability(shares([]), MINUTE_MS, 99.9)
    assert (result.availability_pct, result.compliant, result.no_data_pct) == (None, None, 100.0)


def test_unchecked_samples_count_as_no_data() -> None:
    samples = [RawSample(T0 + i * 1000, None, {"rtt_ms": 5.0}) for i in range(61)]
    total = shares(samples)
    assert (total.avail_ms, total.unavail_ms, total.samples) == (0, 0, 60)


def test_online_time_from_status_events() -> None:
    events = [StatusEvent(T0 - 5000, True), StatusEvent(T0 + 20_000, False), StatusEvent(T0 + 50_000, True)]
    minutes = compute.minute_aggregates(
        "gw-1", [], start=T0, end=T0 + MINUTE_MS, profile=AGV, gap_ms=GAP, status=events
    )
    assert minutes[T0].online_ms == 30_000
    assert minutes[T0].status_ms == MINUTE_MS


def test_worst_periods_span_minutes_and_name_the_kpi() -> None:
    samples = [ok(T0 + i * 1000) for i in range(200)]
    for i in range(50, 130):
        samples[i] = bad(T0 + i * 1000)
    minutes = compute.minute_aggregates("gw-1", samples, start=T0, end=T0 + 3 * MINUTE_MS, profile=AGV, gap_ms=GAP)
    (period,) = compute.unavailable_periods(minutes.values())
    assert (period.start, period.end, period.kpi) == (T0 + 50_050, T0 + 130_000, "rtt_ms")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(min_value=0.001, max_value=1e6, allow_nan=False), min_size=1, max_size=300),
    st.sampled_from([1, 5, 50, 95, 99, 100]),
)
def test_sketch_percentile_is_within_one_percent_of_the_exact_one(values: list[float], pct: int) -> None:
    histogram: dict[str, int] = {}
    for value in values:
        key = compute.bucket_key(value)
        histogram[key] = histogram.get(key, 0) + 1
    exact = sorted(values)[max(1, math.ceil(pct * len(values) / 100)) - 1]
    assert abs(compute.percentile(histogram, pct) - exact) <= compute.RELATIVE_ACCURACY * exact * (1 + 1e-9)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3 * MINUTE_MS - 1), st.booleans()), max_size=120),
    st.integers(1, 2),
)
def test_minutes_computed_in_chunks_equal_minutes_computed_at_once(points: list[tuple[int, bool]], cut: int) -> None:
    """The rollup job computes chunk by chunk (with context); the result must not depend on where chunks end."""
    samples = [(ok if good else bad)(T0 + offset) for offset, good in points]
    whole = compute.minute_aggregates("gw-1", samples, start=T0, end=T0 + 3 * MINUTE_MS, profile=AGV, gap_ms=GAP)
    split = T0 + cut * MINUTE_MS
    parts = {
        **compute.minute_aggregates("gw-1", samples, start=T0, end=split, profile=AGV, gap_ms=GAP),
        **compute.minute_aggregates("gw-1", samples, start=split, end=T0 + 3 * MINUTE_MS, profile=AGV, gap_ms=GAP),
    }
    assert parts == whole
    for aggregate in whole.values():
        assert aggregate.avail_ms + aggregate.unavail_ms <= MINUTE_MS
