"""Reading telemetry for evidence and writing/reading the 1-minute rollups (storage layout: docs/evidence.md).

`collect` answers "the per-gateway figures of these use cases over [start, end) in chart buckets", reading
rollups for the minutes the rollup job has covered and raw samples for the rest, so callers never care which.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from i5g import scenarios
from i5g.contract import (
    FIELD_AVAILABLE_MS,
    FIELD_COUNT,
    FIELD_DEAD_LETTER_SAMPLE_TS,
    FIELD_ONLINE,
    FIELD_SLA_OK,
    MEASUREMENT_DEAD_LETTER,
    MEASUREMENT_GATEWAY_STATUS,
    MEASUREMENT_KPI,
    MEASUREMENT_KPI_1M,
    TAG_GATEWAY,
    TAG_SCENARIO,
    TAG_USE_CASE,
    sla_flag_field,
)
from i5g.lineprotocol import format_field, tag_set
from registry.evidence.compute import (
    COUNTERS,
    MINUTE_MS,
    KpiAggregate,
    MinuteAggregate,
    Profile,
    RawSample,
    StatusEvent,
    floor_minute,
    merge,
    minute_aggregates,
    profile_of,
    unavailable_periods,
)
from registry.evidence.errors import WindowInvalid
from registry.evidence.influx import InfluxClient, Series, any_of, ident

ROLLUP_MEASUREMENT = MEASUREMENT_KPI_1M
HOURLY_MEASUREMENT = "kpi_1h"  # sums of the minute rows per hour: what long windows read
DAILY_MEASUREMENT = "kpi_1d"  # sums of the hourly rows per UTC day: what windows charted in whole days read
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
# (measurement, row length, the finer measurement its rows are sums of), finest first
LEVELS = (
    (ROLLUP_MEASUREMENT, MINUTE_MS, ""),
    (HOURLY_MEASUREMENT, HOUR_MS, ROLLUP_MEASUREMENT),
    (DAILY_MEASUREMENT, DAY_MS, HOURLY_MEASUREMENT),
)
STATE_MEASUREMENT = "rollup_state"
_HIST = "_h"  # histogram field: <kpi>_h<bucket key>, e.g. rtt_ms_h+312

Key = tuple[str, str]  # (use_case, gateway)


@cache
def bounded_kpis() -> tuple[str, ...]:
    """Every KPI any scenario bounds: what the rollup job reads from raw samples."""
    names = {r.kpi for s in scenarios.SCENARIOS.values() for r in s.bounds() if r.kpi}
    return tuple(sorted(names))


@dataclass
class Collected:
    """Per (use_case, gateway): bucket start -> summed aggregate; the unavailable minutes; the last sample."""

    buckets: dict[Key, dict[int, MinuteAggregate]] = field(default_factory=dict)
    unavailable: list[tuple[Key, MinuteAggregate]] = field(default_factory=list)
    last_ts: dict[Key, int] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)
    covered: tuple[int, int] | None = None  # set by an overview: the [start, end) it covers (see collect)

    def add(self, key: Key, bucket: int, aggregate: MinuteAggregate) -> None:
        target = self.buckets.setdefault(key, {}).setdefault(bucket, MinuteAggregate(key[1], bucket))
        merge(target, aggregate)
        target.last_ts = 0  # kept per gateway in last_ts: the rollup path reads it with max(), not in the sums
        if aggregate.last_ts:
            self.last_ts[key] = max(self.last_ts.get(key, 0), aggregate.last_ts)


def bucket_origin(start: int, bucket_ms: int) -> int:
    """Where chart buckets start: the window start, or the hour (day) before it for buckets of whole hours (days),
    so hourly (daily) rows never straddle two buckets."""
    for size in (DAY_MS, HOUR_MS):
        if bucket_ms % size == 0:
            return start // size * size
    return start


@dataclass(frozen=True)
class Checkpoint:
    rolled_from: int  # epoch ms: the first minute the rollups cover
    done_until: int  # epoch ms: every minute before this is rolled


# ------------------------------------------------------------------------------------------------- raw


def _time_range(start: int, end: int) -> str:
    return f"time >= {start}ms AND time < {end}ms"


def read_raw(
    client: InfluxClient, start: int, end: int, use_cases: Sequence[str] | None
) -> tuple[dict[Key, list[RawSample]], dict[Key, str]]:
    """Samples per (use_case, gateway) and each one's scenario tag."""
    columns = [FIELD_SLA_OK]
    for kpi in bounded_kpis():
        columns += [kpi, sla_flag_field(kpi)]
    where = _time_range(start, end) + _use_case_filter(use_cases)
    measurement = client.rp(client.settings.raw_retention_policy, MEASUREMENT_KPI)
    statement = (
        f"SELECT {', '.join(ident(c) for c in columns)} FROM {measurement}"
        f' WHERE {where} GROUP BY "{TAG_USE_CASE}", "{TAG_GATEWAY}", "{TAG_SCENARIO}"'
    )
    samples: dict[Key, list[RawSample]] = {}
    scenario_of: dict[Key, str] = {}
    for series in client.query(statement):
        key = (series.tags.get(TAG_USE_CASE, ""), series.tags.get(TAG_GATEWAY, ""))
        scenario_of[key] = series.tags.get(TAG_SCENARIO, "")
        target = samples.setdefault(key, [])
        index = {name: i for i, name in enumerate(series.columns)}
        for row in series.values:
            values: dict[str, float] = {}
            flags: dict[str, bool] = {}
            for kpi in bounded_kpis():
                value = row[index[kpi]]
                if isinstance(value, int | float) and not isinstance(value, bool):
                    values[kpi] = float(value)
                flag = row[index[sla_flag_field(kpi)]]
                if isinstance(flag, bool):
                    flags[kpi] = flag
            ok = row[index[FIELD_SLA_OK]]
            target.append(RawSample(int(row[0]), ok if isinstance(ok, bool) else None, values, flags))
    return samples, scenario_of


def _use_case_filter(use_cases: Sequence[str] | None) -> str:
    return "" if use_cases is None else " AND " + any_of(TAG_USE_CASE, use_cases)


def read_status(
    client: InfluxClient, start: int, end: int, use_cases: Sequence[str] | None
) -> dict[Key, list[StatusEvent]]:
    measurement = client.rp(client.settings.raw_retention_policy, MEASUREMENT_GATEWAY_STATUS)
    lookback = start - client.settings.raw_retention_days * 86_400_000
    flt = _use_case_filter(use_cases)
    before = (
        f'SELECT last("{FIELD_ONLINE}") AS "{FIELD_ONLINE}" FROM {measurement}'
        f' WHERE {_time_range(lookback, start)}{flt} GROUP BY "{TAG_USE_CASE}", "{TAG_GATEWAY}"'
    )
    inside = (
        f'SELECT "{FIELD_ONLINE}" FROM {measurement} WHERE {_time_range(start, end)}{flt}'
        f' GROUP BY "{TAG_USE_CASE}", "{TAG_GATEWAY}"'
    )
    events: dict[Key, list[StatusEvent]] = {}
    for series in client.query(f"{before}; {inside}"):
        key = (series.tags.get(TAG_USE_CASE, ""), series.tags.get(TAG_GATEWAY, ""))
        for ts, online in series.values:
            if isinstance(online, bool):
                events.setdefault(key, []).append(StatusEvent(int(ts), online))
    return events


def read_dead_letters(
    client: InfluxClient, start: int, end: int, gateways: Iterable[str]
) -> dict[str, list[tuple[int, int]]]:
    """(ts, count) of each gateway's dead letters that belong to [start, end): a rejected sample belongs to the
    time it was measured (its `sample_ts`), even though the record is stamped when it arrived, which may be
    hours later (a spool draining); a message with nothing usable belongs to its arrival."""
    names = sorted(set(gateways))
    if not names:
        return {}
    measurement = client.rp(client.settings.raw_retention_policy, MEASUREMENT_DEAD_LETTER)
    # Arrival is never before the measurement (up to clock skew), but may be long after the window's end.
    statement = (
        f'SELECT "{FIELD_COUNT}", "{FIELD_DEAD_LETTER_SAMPLE_TS}" FROM {measurement} WHERE time >= {start}ms'
        f' AND {any_of(TAG_GATEWAY, names)} GROUP BY "{TAG_GATEWAY}"'
    )
    result: dict[str, list[tuple[int, int]]] = {}
    for series in client.query(statement):
        gateway = series.tags.get(TAG_GATEWAY, "")
        for arrived, count, sample_ts in series.values:
            ts = int(sample_ts) if sample_ts is not None else int(arrived)
            if start <= ts < end:
                result.setdefault(gateway, []).append((ts, int(count or 0)))
    return result


def raw_minutes(
    client: InfluxClient,
    start: int,
    end: int,
    use_cases: Sequence[str] | None,
    profiles: dict[str, Profile] | None = None,
) -> dict[Key, dict[int, MinuteAggregate]]:
    """Minute aggregates computed from raw samples for [start, end) (whole minutes). `profiles` maps use case ->
    profile (the registry's scenario); otherwise each gateway's scenario tag decides."""
    gap = round(client.settings.no_data_after_s * 1000)
    survival = max((p.survival_ms for p in scenario_profiles().values()), default=0.0)
    context_before = gap + int(survival) + 1
    samples, scenario_of = read_raw(client, start - context_before, end + gap, use_cases)
    status = read_status(client, start, end, use_cases)
    dead = read_dead_letters(client, start, end, [gateway for _, gateway in {*samples, *status}])
    result: dict[Key, dict[int, MinuteAggregate]] = {}
    for key in {*samples, *status}:
        use_case, gateway = key
        profile = (profiles or {}).get(use_case) or profile_of(scenario_of.get(key, ""))
        result[key] = minute_aggregates(
            gateway,
            samples.get(key, []),
            start=start,
            end=end,
            profile=profile,
            gap_ms=gap,
            status=status.get(key, []),
            dead_letters=dead.get(gateway, []),
        )
    return result


@cache
def scenario_profiles() -> dict[str, Profile]:
    return {key: profile_of(key) for key in scenarios.SCENARIOS}


# -------------------------------------------------------------------------------------------- rollups


def rollup_lines(
    key: Key, scenario: str, aggregates: Iterable[MinuteAggregate], *, measurement: str = ROLLUP_MEASUREMENT
) -> list[str]:
    """Line protocol for minute aggregates. Counters are always written (a re-roll must be able to lower one
    to zero); histogram buckets only grow with late data, so only non-empty ones are written."""
    tags = tag_set(((TAG_USE_CASE, key[0]), (TAG_GATEWAY, key[1]), (TAG_SCENARIO, scenario)))
    lines = []
    for aggregate in aggregates:
        fields: dict[str, int] = {name: getattr(aggregate, name) for name in COUNTERS}
        fields["last_ts"] = aggregate.last_ts
        fields["unavail_start"] = aggregate.unavail_start
        fields["unavail_end"] = aggregate.unavail_end
        for name, kpi in aggregate.kpis.items():
            fields[f"{name}_n"] = kpi.n
            fields[f"{name}_ok"] = kpi.ok
            fields[f"{name}_bad"] = kpi.bad
            for bucket, count in kpi.hist.items():
                fields[f"{name}{_HIST}{bucket}"] = count
        body = ",".join(f"{_field_key(name)}={format_field(value)}" for name, value in fields.items())
        lines.append(f"{measurement}{tags} {body} {aggregate.minute}")
    return lines


def _field_key(name: str) -> str:
    return name.replace(",", r"\,").replace("=", r"\=").replace(" ", r"\ ")


@cache
def _column_role(column: str, prefix: str) -> tuple[str, str, str] | None:
    """What a result column holds: ("counter", name, ""), ("kpi", kpi, n|ok|bad) or ("hist", kpi, bucket key)."""
    if not column.startswith(prefix):
        return None
    name = column[len(prefix) :]
    if name in COUNTERS or name in ("last_ts", "unavail_start", "unavail_end"):
        return ("counter", name, "")
    for kpi in bounded_kpis():
        if name.startswith(kpi + _HIST):
            return ("hist", kpi, name[len(kpi) + len(_HIST) :])
        if name in (f"{kpi}_n", f"{kpi}_ok", f"{kpi}_bad"):
            return ("kpi", kpi, name[len(kpi) + 1 :])
    return None


def _aggregate_from_row(gateway: str, minute: int, row: dict[str, object], prefix: str = "") -> MinuteAggregate:
    aggregate = MinuteAggregate(gateway, minute)
    for column, value in row.items():
        if not isinstance(value, int | float) or not value:
            continue
        role = _column_role(column, prefix)
        if role is None:
            continue
        kind, name, detail = role
        if kind == "counter":
            setattr(aggregate, name, int(value))
        elif kind == "hist":
            aggregate.kpis.setdefault(name, KpiAggregate()).hist[detail] = int(value)
        else:
            setattr(aggregate.kpis.setdefault(name, KpiAggregate()), detail, int(value))
    return aggregate


def read_checkpoint(client: InfluxClient) -> Checkpoint | None:
    measurement = client.rp(client.settings.rollup_retention_policy, STATE_MEASUREMENT)
    for series in client.query(f'SELECT last("done_until") AS "done_until", "rolled_from" FROM {measurement}'):
        for row in series.rows():
            if row.get("done_until") and row.get("rolled_from"):
                return Checkpoint(int(row["rolled_from"]), int(row["done_until"]))  # type: ignore[arg-type]
    return None


def checkpoint_line(checkpoint: Checkpoint, now_ms: int) -> str:
    fields = {"rolled_from": checkpoint.rolled_from, "done_until": checkpoint.done_until}
    body = ",".join(f"{name}={format_field(value)}" for name, value in fields.items())
    return f"{STATE_MEASUREMENT} {body} {now_ms}"


def _sums(client: InfluxClient, measurement: str, start: int, end: int, bucket_ms: int) -> str:
    """Every field summed per gateway and bucket of `bucket_ms` (the rollup job's coarser levels)."""
    grouping = f'GROUP BY time({bucket_ms}ms), "{TAG_USE_CASE}", "{TAG_GATEWAY}" fill(none)'
    source = client.rp(client.settings.rollup_retention_policy, measurement)
    return f"SELECT sum(*) FROM {source} WHERE {_time_range(start, end)} {grouping}"


def _overview_statements(
    client: InfluxClient, measurement: str, start: int, end: int, use_cases: Sequence[str] | None
) -> list[str]:
    """One statement per aggregate (OVERVIEW_COUNTERS summed, last_ts's max) over the whole range per gateway:
    InfluxDB 1.x answers one aggregate over 1,000 series about ten times faster than three in one statement."""
    where = _time_range(start, end) + _use_case_filter(use_cases)
    source = client.rp(client.settings.rollup_retention_policy, measurement)
    calls = [f"sum({ident(name)}) AS {ident('sum_' + name)}" for name in OVERVIEW_COUNTERS]
    calls.append('max("last_ts") AS "last_ts"')
    group_by = f'GROUP BY "{TAG_USE_CASE}", "{TAG_GATEWAY}"'
    return [f"SELECT {call} FROM {source} WHERE {where} {group_by}" for call in calls]


def level_parts(start: int, end: int, bucket_ms: int) -> list[tuple[str, int, int]]:
    """(measurement, start, end) parts covering [start, end): the coarsest rows a bucket of `bucket_ms` can be
    summed from (daily rows when buckets are whole days, hourly when whole hours), finer rows only at the edges."""
    levels = [level for level in LEVELS if bucket_ms % level[1] == 0]

    def split(a: int, b: int, depth: int) -> list[tuple[str, int, int]]:
        measurement, size, _ = levels[depth]
        first, last = -(-a // size) * size, b // size * size
        if a >= b:
            return []
        if depth == 0:
            return [(measurement, a, b)]
        if first >= last:
            return split(a, b, depth - 1)
        return [*split(a, first, depth - 1), (measurement, first, last), *split(last, b, depth - 1)]

    return split(start, end, len(levels) - 1)


def rollup_buckets(
    client: InfluxClient,
    start: int,
    end: int,
    bucket_ms: int,
    origin: int,
    use_cases: Sequence[str] | None,
    into: Collected,
    *,
    counters_only: bool = False,
    worst: int = 5,
) -> None:
    """Sum the rollups of [start, end) into chart buckets (aligned to `origin`), plus the unavailable minutes (for
    the `worst` longest periods) and the last sample per gateway. Whole days (hours) are read from the daily
    (hourly) rows when the buckets are whole days (hours): 30 days are 30 rows per gateway instead of 43,200;
    minute rows only at the edges and inside the hours that had unavailable time. The rows are read plainly and
    summed here: InfluxDB 1.x answers `sum(*)` over the ~65 sketch fields 5-20x slower than `SELECT *` of the
    same rows (docs/benchmarks.md). `counters_only` (the fleet list: no KPI sketches, no unavailable minutes,
    thousands of gateways): OVERVIEW_COUNTERS and the last sample, summed by InfluxDB into one bucket per gateway
    (`origin`), whatever `bucket_ms` (InfluxDB's GROUP BY time costs several times the sums themselves)."""
    statements = []
    for measurement, a, b in level_parts(start, end, DAY_MS if counters_only else bucket_ms):
        where = _time_range(a, b) + _use_case_filter(use_cases)
        if counters_only:
            statements += _overview_statements(client, measurement, a, b, use_cases)
            continue
        source = client.rp(client.settings.rollup_retention_policy, measurement)
        statements.append(f'SELECT * FROM {source} WHERE {where} GROUP BY "{TAG_USE_CASE}", "{TAG_GATEWAY}"')
        if measurement == DAILY_MEASUREMENT:  # the hours with unavailable time (one field of the hourly rows)
            hourly = client.rp(client.settings.rollup_retention_policy, HOURLY_MEASUREMENT)
            statements.append(
                f'SELECT "unavail_ms" AS "hour_unavail_ms" FROM {hourly} WHERE {where} AND "unavail_ms" > 0'
                f' GROUP BY "{TAG_GATEWAY}"'
            )
    unavailable_hours: list[tuple[str, int, int]] = []
    for series in client.query_each(statements):
        if series.columns == ["time", "hour_unavail_ms"]:
            gateway = series.tags.get(TAG_GATEWAY, "")
            unavailable_hours += [(gateway, int(t), int(v)) for t, v in series.values]
        elif counters_only:
            _take_sums(series, into, origin)
        else:
            _take_rows(series, into, origin, bucket_ms, unavailable_hours)
    if unavailable_hours:
        _unavailable_in_hours(client, unavailable_hours, use_cases, into, worst)
    into.sources.add("rollup")


def _unavailable_minutes(
    client: InfluxClient, start: int, end: int, use_cases: Sequence[str] | None, gateway: str | None = None
) -> str:
    source = client.rp(client.settings.rollup_retention_policy, ROLLUP_MEASUREMENT)
    where = _time_range(start, end) + _use_case_filter(use_cases)
    if gateway is not None:
        where += " AND " + any_of(TAG_GATEWAY, [gateway])
    bad_fields = ", ".join(ident(f"{kpi}_bad") for kpi in bounded_kpis())
    return (
        f'SELECT "unavail_ms", "unavail_start", "unavail_end", {bad_fields} FROM {source}'
        f' WHERE {where} AND "unavail_ms" > 0 GROUP BY "{TAG_USE_CASE}", "{TAG_GATEWAY}"'
    )


# What an overview reads (each field costs InfluxDB one iterator per series): availability and the last sample.
OVERVIEW_COUNTERS = (FIELD_AVAILABLE_MS, "unavail_ms")
_NOT_SUMMED = ("last_ts", "unavail_start", "unavail_end")  # per-row instants: sums of them mean nothing


def _key(series: Series) -> Key:
    return series.tags.get(TAG_USE_CASE, ""), series.tags.get(TAG_GATEWAY, "")


def _take_sums(series: Series, into: Collected, bucket: int) -> None:
    """An `_overview_statements` answer (one aggregate per gateway) added straight into its one bucket."""
    key = _key(series)
    target = into.buckets.setdefault(key, {}).get(bucket)
    if target is None:
        target = into.buckets[key][bucket] = MinuteAggregate(key[1], bucket)
    column = series.columns[1]
    for value in (row[1] for row in series.values):
        if not value:
            continue
        if column == "last_ts":
            into.last_ts[key] = max(into.last_ts.get(key, 0), int(value))
        else:  # sum_<counter>
            name = column.removeprefix("sum_")
            setattr(target, name, getattr(target, name) + int(value))


def _take_rows(
    series: Series, into: Collected, origin: int, bucket_ms: int, unavailable_hours: list[tuple[str, int, int]]
) -> None:
    """Rollup rows of one gateway summed column by column into their buckets (one aggregate per bucket, not per
    row); unavailable minute rows also into `into.unavailable`, hourly rows with unavailable time into
    `unavailable_hours`, the latest `last_ts` into `into.last_ts`."""
    key = _key(series)
    columns = series.columns
    summed = [i for i, c in enumerate(columns) if _column_role(c, "") and c not in _NOT_SUMMED]
    at = {name: columns.index(name) for name in ("time", "last_ts", "unavail_ms")}
    minutes, hours = series.name == ROLLUP_MEASUREMENT, series.name == HOURLY_MEASUREMENT
    sums: dict[int, list[int]] = {}
    last = 0
    for row in series.values:
        time, unavailable = int(row[at["time"]]), row[at["unavail_ms"]]
        if unavailable and minutes:
            into.unavailable.append((key, _aggregate_from_row(key[1], time, dict(zip(columns, row, strict=True)))))
        elif unavailable and hours:
            unavailable_hours.append((key[1], time, int(unavailable)))
        last = max(last, row[at["last_ts"]] or 0)
        bucket = origin + (time - origin) // bucket_ms * bucket_ms
        acc = sums.get(bucket)
        if acc is None:
            acc = sums[bucket] = [0] * len(columns)
        for i in summed:
            if row[i]:
                acc[i] += row[i]
    for bucket, acc in sums.items():
        into.add(key, bucket, _aggregate_from_row(key[1], bucket, dict(zip(columns, acc, strict=True))))
    if last:
        into.last_ts[key] = max(into.last_ts.get(key, 0), int(last))


def _take_unavailable(series: Series, into: Collected) -> None:
    key = _key(series)
    for row in series.rows():
        into.unavailable.append((key, _aggregate_from_row(key[1], int(row["time"]), row)))


def _unavailable_in_hours(
    client: InfluxClient,
    hours: list[tuple[str, int, int]],
    use_cases: Sequence[str] | None,
    into: Collected,
    worst: int,
) -> None:
    """Minute rows of each gateway's runs of hours with unavailable time, biggest runs first, until the `worst`
    longest periods are known: a period never leaves its gateway's run (the hours around it had none), so once
    `worst` periods are at least as long as the next run's whole unavailable time, no later run can hold a
    longer one."""
    runs: list[tuple[int, str, int, int]] = []  # (unavailable ms, gateway, start, end)
    for gateway, hour, unavailable in sorted(hours):
        if runs and runs[-1][1] == gateway and runs[-1][3] == hour:
            total, _, first, _ = runs[-1]
            runs[-1] = (total + unavailable, gateway, first, hour + HOUR_MS)
        else:
            runs.append((unavailable, gateway, hour, hour + HOUR_MS))
    runs.sort(key=lambda run: (-run[0], run[1], run[2]))
    batch_size = 20
    for index in range(0, len(runs), batch_size):
        batch = runs[index : index + batch_size]
        statements = [_unavailable_minutes(client, a, b, use_cases, gateway) for _, gateway, a, b in batch]
        for series in client.query("; ".join(statements)):
            _take_unavailable(series, into)
        lengths = sorted((p.end - p.start for p in unavailable_periods(a for _, a in into.unavailable)), reverse=True)
        following = runs[index + batch_size][0] if index + batch_size < len(runs) else None
        if following is None or (len(lengths) >= worst and lengths[worst - 1] >= following):
            return


def hourly_lines(client: InfluxClient, start: int, end: int) -> list[str]:
    """Hourly rows for the hours touching [start, end) that are over by `end` (see `level_lines`)."""
    return level_lines(client, HOURLY_MEASUREMENT, start, end)


def daily_lines(client: InfluxClient, start: int, end: int) -> list[str]:
    """Daily rows for the UTC days touching [start, end) that are over by `end`, summed from the hourly rows."""
    return level_lines(client, DAILY_MEASUREMENT, start, end)


def level_lines(client: InfluxClient, measurement: str, start: int, end: int) -> list[str]:
    """Rows of a coarser level (sums of the next finer level's stored rows, last_ts their max) for every period
    that touches [start, end) and is over by `end`: the rollup job writes them after each chunk's finer rows, so
    a period is written by the chunk that completes it and rewritten whenever a chunk re-rolls any of its minutes.
    Readers use a coarser row only for whole periods before the checkpoint, so an open period is never read."""
    _, size, finer = next(level for level in LEVELS if level[0] == measurement)
    first, last = start // size * size, end // size * size
    if first >= last:
        return []
    source = client.rp(client.settings.rollup_retention_policy, finer)
    sums = _sums(client, finer, first, last, size)
    last_ts = (
        f'SELECT max("last_ts") AS "hour_last_ts" FROM {source} WHERE {_time_range(first, last)}'
        f' GROUP BY time({size}ms), "{TAG_USE_CASE}", "{TAG_GATEWAY}" fill(none)'
    )
    latest: dict[tuple[Key, int], int] = {}
    rows: dict[Key, list[MinuteAggregate]] = {}
    for series in client.query(f"{sums}; {last_ts}"):
        key = (series.tags.get(TAG_USE_CASE, ""), series.tags.get(TAG_GATEWAY, ""))
        if series.columns == ["time", "hour_last_ts"]:
            latest.update({(key, int(t)): int(v or 0) for t, v in series.values})
            continue
        for row in series.rows():
            aggregate = _aggregate_from_row(key[1], int(row["time"]), row, "sum_")
            aggregate.unavail_start = aggregate.unavail_end = 0
            rows.setdefault(key, []).append(aggregate)
    lines = []
    for key, aggregates in rows.items():
        for aggregate in aggregates:
            aggregate.last_ts = latest.get((key, aggregate.minute), 0)
        lines += rollup_lines(key, "", aggregates, measurement=measurement)
    return lines


# -------------------------------------------------------------------------------------------- collect


def collect(
    client: InfluxClient,
    start: int,
    end: int,
    *,
    bucket_ms: int,
    use_cases: Sequence[str] | None,
    profiles: dict[str, Profile] | None,
    now_ms: int,
    overview: bool = False,
    worst: int = 5,
) -> Collected:
    """Figures of [start, end) (whole minutes) in buckets of bucket_ms from start: rollups where the rollup job
    has covered the minutes, raw samples elsewhere. Raises WindowInvalid when raw samples would be needed
    beyond raw retention. `overview` (the fleet list): once rollups exist, the window ends at the rollup checkpoint
    (at most rollup_settle_s + rollup_interval_s behind) instead of reading every gateway's latest raw samples - a
    window of a day or more in whole hours at the last whole hour the rollups cover, so that it is read from
    hourly (daily) rows alone -, only availability counters are read, and `covered` says which [start, end) the
    figures are of."""
    collected = Collected()
    checkpoint = read_checkpoint(client)
    if overview and checkpoint is not None and end - start >= DAY_MS and (end - start) % HOUR_MS == 0:
        aligned_end = min(end, checkpoint.done_until) // HOUR_MS * HOUR_MS
        if aligned_end - (end - start) >= checkpoint.rolled_from:  # only when rollups cover all of it
            start, end = start - (end - aligned_end), aligned_end
    origin = bucket_origin(start, bucket_ms)
    rolled = (max(start, checkpoint.rolled_from), min(end, checkpoint.done_until)) if checkpoint else (end, end)
    raw_parts = (
        [(start, min(end, rolled[0])), (max(start, rolled[1]), end)] if rolled[0] < rolled[1] else [(start, end)]
    )
    if overview:
        collected.covered = (start, end)
    if overview and rolled[0] < rolled[1]:
        raw_parts = [(start, rolled[0])]
        collected.covered = (start, rolled[1])
    raw_parts = [(a, b) for a, b in raw_parts if a < b]
    oldest_raw = now_ms - client.settings.raw_retention_days * 86_400_000
    for a, _ in raw_parts:
        if a < floor_minute(oldest_raw):
            covered = (
                f"rollups cover {_iso(checkpoint.rolled_from)} to {_iso(checkpoint.done_until)}"
                if checkpoint
                else "no rollups exist (run `i5g evidence rollup`)"
            )
            raise WindowInvalid(
                f"window starts {_iso(start)}, before raw retention ({client.settings.raw_retention_days} d, i.e. "
                f"from {_iso(oldest_raw)}) and {covered}; choose a window inside those ranges"
            )
    if rolled[0] < rolled[1]:
        rollup_buckets(client, rolled[0], rolled[1], bucket_ms, origin, use_cases, collected, counters_only=overview)
    for a, b in raw_parts:
        for key, minutes in raw_minutes(client, a, b, use_cases, profiles).items():
            collected.buckets.setdefault(key, {})
            for minute, aggregate in minutes.items():
                collected.add(key, origin + (minute - origin) // bucket_ms * bucket_ms, aggregate)
                if aggregate.unavail_ms:
                    collected.unavailable.append((key, aggregate))
        collected.sources.add("raw")
    return collected


def _iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%MZ")


__all__ = ["MINUTE_MS", "Checkpoint", "Collected", "Series", "collect", "raw_minutes", "rollup_lines"]
