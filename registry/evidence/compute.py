"""The pure computation of deployment evidence (no I/O): docs/evidence.md states the definitions.

Everything is computed per gateway and per whole UTC minute (`MinuteAggregate`), and every figure a user sees is
a sum over minute aggregates. The rollup job stores exactly these aggregates; evidence read from raw samples
builds the same aggregates in memory. Figures from rollups therefore equal figures from raw samples by
construction, and tests/evidence checks it on real InfluxDB data.

Availability (3GPP TS 22.104 / TS 22.261 clause 3.1): a sample stands for the time until the next sample, but
for at most `gap_ms`; time no sample stands for is "no data". A breach is a maximal run of contiguous time
covered by samples that violated a bound (sla_ok = false). The service is unavailable from breach start +
survival time to the breach's end; a breach no longer than the survival time leaves the service available.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from i5g import scenarios

MINUTE_MS = 60_000

# Percentile sketch: log-spaced buckets with 1 % relative accuracy (DDSketch's mapping). A value v > 0 falls into
# bucket k = ceil(log_gamma(v)); the bucket's representative 2 gamma^k / (gamma + 1) is within 1 % of every value
# in it. Percentiles are read from the buckets, from raw samples and from rollups alike.
RELATIVE_ACCURACY = 0.01
_GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA = math.log(_GAMMA)


def bucket_key(value: float) -> str:
    """'0' for zero, '+k' for positive values, '-k' for negative values (mirrored)."""
    if value == 0:
        return "0"
    k = math.ceil(math.log(abs(value)) / _LOG_GAMMA)
    return f"{'+' if value > 0 else '-'}{k}"


def bucket_value(key: str) -> float:
    if key == "0":
        return 0.0
    sign = 1.0 if key[0] == "+" else -1.0
    k = int(key[1:])
    return sign * 2 * _GAMMA**k / (_GAMMA + 1)


def percentile(histogram: dict[str, int], pct: int) -> float | None:
    """Nearest-rank percentile (pct in 1..100) of a bucket histogram; None when it is empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, (pct * total + 99) // 100)  # ceil(pct/100 * total) in integers
    seen = 0
    for value, count in sorted((bucket_value(key), count) for key, count in histogram.items()):
        seen += count
        if seen >= rank:
            return value
    return None  # pragma: no cover - unreachable: seen reaches total


def quantiles(histogram: dict[str, int], direction: str) -> tuple[float | None, float | None, float | None]:
    """p50/p95/p99 for a "max" bound; for a "min" bound the 50th/5th/1st percentiles (the value 95 % / 99 % of
    samples are at least as good as)."""
    points = (50, 95, 99) if direction == "max" else (50, 5, 1)
    p50, p95, p99 = (percentile(histogram, p) for p in points)
    return p50, p95, p99


# ------------------------------------------------------------------------------------------------ profile


@dataclass(frozen=True)
class Bound:
    kpi: str
    metric: str
    value: float
    direction: str
    unit: str


@dataclass(frozen=True)
class Profile:
    scenario: str
    bounds: tuple[Bound, ...]
    availability_target_pct: float | None
    survival_ms: float


def profile_of(scenario_key: str) -> Profile:
    """The figures evidence needs from a scenario's profile (i5g.scenarios); unknown key: no bounds."""
    try:
        scenario = scenarios.get(scenario_key)
    except KeyError:
        return Profile(scenario_key, (), None, 0.0)
    bounds = tuple(Bound(r.kpi, r.metric, r.value, r.direction, r.unit) for r in scenario.bounds() if r.kpi is not None)
    target = scenario.requirement("availability_pct") or scenario.requirement("reliability_pct")
    survival = scenario.requirement("survival_time_ms")
    return Profile(scenario_key, bounds, target.value if target else None, float(survival.value) if survival else 0.0)


# ------------------------------------------------------------------------------------------------ samples


@dataclass(frozen=True, slots=True)
class RawSample:
    ts: int  # epoch ms
    ok: bool | None  # sla_ok; None: the sample could not be checked (scenario unknown to the collector)
    values: dict[str, float] = field(default_factory=dict)  # bounded KPIs only
    flags: dict[str, bool] = field(default_factory=dict)  # <kpi>_ok


@dataclass(frozen=True, slots=True)
class StatusEvent:
    ts: int
    online: bool


@dataclass
class KpiAggregate:
    n: int = 0
    ok: int = 0
    bad: int = 0
    hist: dict[str, int] = field(default_factory=dict)

    def add(self, other: KpiAggregate) -> None:
        self.n += other.n
        self.ok += other.ok
        self.bad += other.bad
        for key, count in other.hist.items():
            self.hist[key] = self.hist.get(key, 0) + count


@dataclass
class MinuteAggregate:
    """One gateway's figures for one UTC minute [minute, minute + 60 s)."""

    gateway: str
    minute: int  # epoch ms, multiple of MINUTE_MS
    samples: int = 0
    avail_ms: int = 0
    unavail_ms: int = 0
    online_ms: int = 0
    status_ms: int = 0  # time the gateway's online state was known
    dead_letters: int = 0
    last_ts: int = 0  # last sample in the minute, 0: none
    unavail_start: int = 0  # first and last unavailable instant in the minute (epoch ms), 0: none
    unavail_end: int = 0
    kpis: dict[str, KpiAggregate] = field(default_factory=dict)

    @property
    def no_data_ms(self) -> int:
        return MINUTE_MS - self.avail_ms - self.unavail_ms

    @property
    def empty(self) -> bool:
        return not (self.samples or self.avail_ms or self.unavail_ms or self.status_ms or self.dead_letters)


def floor_minute(ts: int) -> int:
    return ts - ts % MINUTE_MS


def _coverage(samples: Sequence[RawSample], gap_ms: int) -> Iterator[tuple[int, int, bool | None]]:
    """(start, end, ok) of the time each sample stands for: until the next sample, at most gap_ms."""
    for index, sample in enumerate(samples):
        end = sample.ts + gap_ms
        if index + 1 < len(samples):
            end = min(end, samples[index + 1].ts)
        if end > sample.ts:
            yield sample.ts, end, sample.ok


def availability_intervals(
    samples: Sequence[RawSample], *, gap_ms: int, survival_ms: float
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(available, unavailable) intervals of one gateway, sorted, from samples sorted by ts (unique ts).

    Time covered by an unchecked sample (ok None) is neither: it is reported as no data."""
    available: list[tuple[int, int]] = []
    unavailable: list[tuple[int, int]] = []
    breach: list[int] | None = None  # [start, end] of the breach being extended

    def close_breach() -> None:
        if breach is None:
            return
        start, end = breach
        cut = start + survival_ms
        if end <= cut:  # no longer than the survival time: the application rode through it
            _append(available, start, end)
        else:
            cut_ms = math.ceil(cut)
            _append(available, start, cut_ms)
            _append(unavailable, cut_ms, end)

    for start, end, ok in _coverage(samples, gap_ms):
        if ok is False:
            if breach is not None and breach[1] == start:
                breach[1] = end
            else:
                close_breach()
                breach = [start, end]
            continue
        close_breach()
        breach = None
        if ok:
            _append(available, start, end)
    close_breach()
    return available, unavailable


def _append(intervals: list[tuple[int, int]], start: int, end: int) -> None:
    if end <= start:
        return
    if intervals and intervals[-1][1] == start:
        intervals[-1] = (intervals[-1][0], end)
    else:
        intervals.append((start, end))


def online_intervals(events: Sequence[StatusEvent], until: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(online, known) intervals from status events sorted by ts; the last state holds until `until`."""
    online: list[tuple[int, int]] = []
    known: list[tuple[int, int]] = []
    for index, event in enumerate(events):
        end = events[index + 1].ts if index + 1 < len(events) else until
        _append(known, event.ts, end)
        if event.online:
            _append(online, event.ts, end)
    return online, known


def _spread(intervals: Iterable[tuple[int, int]], start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(minute, overlap start, overlap end) of intervals clipped to [start, end) and cut at minute boundaries."""
    for lo, hi in intervals:
        lo, hi = max(lo, start), min(hi, end)
        while lo < hi:
            minute = floor_minute(lo)
            cut = min(hi, minute + MINUTE_MS)
            yield minute, lo, cut
            lo = cut


def minute_aggregates(
    gateway: str,
    samples: Sequence[RawSample],
    *,
    start: int,
    end: int,
    profile: Profile,
    gap_ms: int,
    status: Sequence[StatusEvent] = (),
    dead_letters: Iterable[tuple[int, int]] = (),
) -> dict[int, MinuteAggregate]:
    """Minute aggregates of one gateway for the whole minutes in [start, end).

    `samples` must include the context around the range: from start - gap_ms - survival time (so a breach that
    began earlier is seen) to end + gap_ms (so the last sample's span is known); `status` must include the last
    event before start. Only minutes with something in them are returned."""
    minutes: dict[int, MinuteAggregate] = {}

    def at(minute: int) -> MinuteAggregate:
        aggregate = minutes.get(minute)
        if aggregate is None:
            aggregate = minutes[minute] = MinuteAggregate(gateway, minute)
        return aggregate

    ordered = _unique_sorted(samples)
    available, unavailable = availability_intervals(ordered, gap_ms=gap_ms, survival_ms=profile.survival_ms)
    for minute, lo, hi in _spread(available, start, end):
        at(minute).avail_ms += hi - lo
    for minute, lo, hi in _spread(unavailable, start, end):
        aggregate = at(minute)
        aggregate.unavail_ms += hi - lo
        aggregate.unavail_start = min(aggregate.unavail_start or lo, lo)
        aggregate.unavail_end = max(aggregate.unavail_end, hi)
    for sample in ordered:
        if start <= sample.ts < end:
            _add_sample(at(floor_minute(sample.ts)), sample, profile.bounds)
    online, known = online_intervals(sorted(status, key=lambda e: e.ts), end)
    for minute, lo, hi in _spread(online, start, end):
        at(minute).online_ms += hi - lo
    for minute, lo, hi in _spread(known, start, end):
        at(minute).status_ms += hi - lo
    for ts, count in dead_letters:
        if start <= ts < end:
            at(floor_minute(ts)).dead_letters += count
    return {minute: aggregate for minute, aggregate in sorted(minutes.items()) if not aggregate.empty}


def _unique_sorted(samples: Sequence[RawSample]) -> list[RawSample]:
    """Sorted by ts, one sample per ts (InfluxDB keeps one point per series and timestamp anyway)."""
    by_ts = {sample.ts: sample for sample in samples}
    return [by_ts[ts] for ts in sorted(by_ts)]


def _add_sample(aggregate: MinuteAggregate, sample: RawSample, bounds: Sequence[Bound]) -> None:
    aggregate.samples += 1
    aggregate.last_ts = max(aggregate.last_ts, sample.ts)
    for bound in bounds:
        value = sample.values.get(bound.kpi)
        if value is None:
            continue
        kpi = aggregate.kpis.setdefault(bound.kpi, KpiAggregate())
        kpi.n += 1
        flag = sample.flags.get(bound.kpi)
        if flag is None:  # the collector did not flag it: judge it against the bound the same way
            flag = not _violates(bound, value)
        kpi.ok += flag
        kpi.bad += not flag
        key = bucket_key(value)
        kpi.hist[key] = kpi.hist.get(key, 0) + 1


def _violates(bound: Bound, value: float) -> bool:
    return value > bound.value if bound.direction == "max" else value < bound.value


# ----------------------------------------------------------------------------------------- summarising


COUNTERS = ("samples", "avail_ms", "unavail_ms", "online_ms", "status_ms", "dead_letters")


def merge(target: MinuteAggregate, other: MinuteAggregate) -> None:
    """Add `other`'s counters and sketches into `target` (last_ts: the later one)."""
    for name in COUNTERS:
        setattr(target, name, getattr(target, name) + getattr(other, name))
    target.last_ts = max(target.last_ts, other.last_ts)
    for name, kpi in other.kpis.items():
        target.kpis.setdefault(name, KpiAggregate()).add(kpi)


def totals(aggregates: Iterable[MinuteAggregate] = ()) -> MinuteAggregate:
    """Sums over a set of gateways and minutes (gateway and minute of the result mean nothing)."""
    result = MinuteAggregate("", 0)
    for aggregate in aggregates:
        merge(result, aggregate)
    return result


def pct(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(100.0 * part / whole, 6)


@dataclass(frozen=True)
class Availability:
    available_pct: float
    unavailable_pct: float
    no_data_pct: float
    availability_pct: float | None  # = available_pct, None when there is no data at all
    compliant: bool | None


def availability(total: MinuteAggregate, span_ms: int, target_pct: float | None) -> Availability:
    """Shares of `span_ms` (the window times the number of gateways). No data is never available: it lowers
    availability, and a window without any data has no availability (None) and no verdict."""
    if span_ms <= 0:
        return Availability(0.0, 0.0, 0.0, None, None)
    available = 100.0 * total.avail_ms / span_ms
    unavailable = 100.0 * total.unavail_ms / span_ms
    no_data = max(0.0, 100.0 - available - unavailable)
    measured = total.avail_ms + total.unavail_ms > 0
    value = round(available, 6) if measured else None
    compliant = None if value is None or target_pct is None else value >= target_pct
    return Availability(round(available, 6), round(unavailable, 6), round(no_data, 6), value, compliant)


@dataclass(frozen=True)
class Period:
    gateway: str
    start: int
    end: int
    kpi: str | None


def unavailable_periods(aggregates: Iterable[MinuteAggregate]) -> list[Period]:
    """Maximal unavailable periods per gateway, longest first (periods inside one minute merge)."""
    by_gateway: dict[str, list[MinuteAggregate]] = {}
    for aggregate in aggregates:
        if aggregate.unavail_ms > 0:
            by_gateway.setdefault(aggregate.gateway, []).append(aggregate)
    periods: list[Period] = []
    for gateway, items in by_gateway.items():
        items.sort(key=lambda a: a.minute)
        run: list[MinuteAggregate] = []
        for aggregate in items:
            if run and not (run[-1].unavail_end == aggregate.minute and aggregate.unavail_start == aggregate.minute):
                periods.append(_period(gateway, run))
                run = []
            run.append(aggregate)
        if run:
            periods.append(_period(gateway, run))
    periods.sort(key=lambda p: (p.start - p.end, p.start, p.gateway))
    return periods


def _period(gateway: str, run: list[MinuteAggregate]) -> Period:
    bad: dict[str, int] = {}
    for aggregate in run:
        for name, kpi in aggregate.kpis.items():
            bad[name] = bad.get(name, 0) + kpi.bad
    worst = max(sorted(bad), key=lambda name: bad[name], default=None)
    if worst is not None and bad[worst] == 0:
        worst = None
    return Period(gateway, run[0].unavail_start, run[-1].unavail_end, worst)


def timeline_state(avail_ms: int, unavail_ms: int, span_ms: int) -> str:
    """One chart bucket: unavailable if any of it was, else no data if data covers less than half of it."""
    if unavail_ms > 0:
        return "unavailable"
    if 2 * avail_ms < span_ms:
        return "no_data"
    return "available"
