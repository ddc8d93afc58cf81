"""Deployment evidence speed: a use case's 30-day evidence from rollups, the same figures from raw, and the fleet list.

    .venv/bin/python bench/evidence.py [--raw-days 30] [--repeat 20] [--fleet 1000]

A throw-away InfluxDB 1.6 (Debian's influxd) and a migrated SQLite registry in a temp dir.

1. One use case (scenario agv) with 10 gateways sampling at 1 Hz: `--raw-days` of samples written as line
   protocol straight into InfluxDB (the collector's own line builders and SLA flags; a 2-minute breach every
   3 hours, a 20 ms breach every hour, a 5-minute silence a day on one gateway), then rolled by the real rollup
   job (`rollup.run_once`, timed). When --raw-days is below 30, the older days of the 30-day window get the
   job's own 1-minute rows of the first raw day, copied and shifted by whole days (what the job writes for a
   day of these samples, which repeat daily), then their hourly and daily rows are summed by the job's own
   `hourly_lines` / `daily_lines`. So the 30-day read touches exactly the rows 30 rolled days would have
   (tests/evidence/test_rollup.py proves minute, hourly and daily rows give the figures raw samples give).
2. `use_case_evidence` over 30 days (rollups) `--repeat` times: p50/p95. Over the raw-covered window, the same
   call from rollups and from raw samples (a settings copy without rollups) in the same run: ratio, and the two
   results must be equal.
3. `fleet_evidence` over 24 h for `--fleet` use cases with one gateway each, with 25 h of 1-minute rows each
   (computed by compute.minute_aggregates from 1 Hz samples, copied per gateway) and their hourly rows.
Goals: 30-day evidence p95 <= 500 ms; fleet list <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from collector.sla import sla_fields
from collector.writer import kpi_line
from devstack.influxdb import InfluxDBServer
from i5g.lineprotocol import tag_set
from registry.db import make_engine, make_sessionmaker, session_scope
from registry.evidence import compute, rollup, service
from registry.evidence.influx import InfluxClient
from registry.evidence.schemas import WindowSpec
from registry.evidence.settings import EvidenceSettings
from registry.evidence.store import (
    HOUR_MS,
    ROLLUP_MEASUREMENT,
    Checkpoint,
    checkpoint_line,
    daily_lines,
    hourly_lines,
    rollup_lines,
)
from registry.gateways.models import Gateway
from registry.schema import prepare_database
from registry.usecases.models import UseCase

sys.path.insert(0, str(Path(__file__).parent))
from registry_list import fill

DAY_MS = 86_400_000
GOOD = {"rtt_ms": 12.0, "jitter_ms": 2.0, "loss_pct": 0.0, "ul_mbps": 20.0, "dl_mbps": 5.0, "agv_pos_err_cm": 3.0}


def _kpis(gateway: int, ts: int) -> dict[str, float] | None:
    """None: no sample (silence)."""
    minute_of_day = ts % DAY_MS // 60_000
    if gateway == 3 and 600 <= minute_of_day < 605:
        return None
    second = ts // 1000
    kpis = {**GOOD, "rtt_ms": 8.0 + (second * 7 + gateway) % 11}
    if ts % (3 * 3_600_000) < 120_000 and gateway < 2:
        kpis["rtt_ms"] = 55.0 + second % 30  # 2-minute breach
    return kpis


def write_raw(url: str, database: str, start: int, end: int, gateways: int) -> int:
    written = 0
    with httpx.Client(timeout=120) as http:
        for chunk_start in range(start, end, 600_000):
            lines = []
            for g in range(gateways):
                tags = tag_set((("gateway", f"gw-bench-{g}"), ("use_case", "1"), ("scenario", "agv")))
                for ts in range(chunk_start, min(end, chunk_start + 600_000), 1000):
                    kpis = _kpis(g, ts)
                    if kpis is not None:
                        lines.append(kpi_line(tags, ts, ts // 1000, kpis, {}, sla_fields("agv", kpis)))
                if g == 0 and chunk_start % 3_600_000 == 0:  # an hourly 20 ms breach (survival time 50 ms)
                    bad = {**GOOD, "rtt_ms": 90.0}
                    lines.append(kpi_line(tags, chunk_start + 500, 0, bad, {}, sla_fields("agv", bad)))
                    lines.append(kpi_line(tags, chunk_start + 520, 0, GOOD, {}, sla_fields("agv", GOOD)))
            response = http.post(f"{url}/write", params={"db": database, "precision": "ms"}, content="\n".join(lines))
            response.raise_for_status()
            written += len(lines)
    return written


def copy_rollups(settings: EvidenceSettings, source: tuple[int, int], targets: list[int]) -> int:
    """Copy the rollup rows of [source) to start at each of `targets` (whole days earlier), then the hourly rows
    of the copied hours (up to the hour the job's rows began in) and the daily rows of every whole day."""
    with InfluxClient(settings) as client:
        measurement = client.rp(settings.rollup_retention_policy, ROLLUP_MEASUREMENT)
        series = client.query(
            f"SELECT * FROM {measurement} WHERE time >= {source[0]}ms AND time < {source[1]}ms"
            ' GROUP BY "use_case", "gateway"'
        )
        written = 0
        for target in targets:
            shift = target - source[0]
            lines = []
            for item in series:
                key = (item.tags["use_case"], item.tags["gateway"])
                aggregates = []
                for row in item.rows():
                    aggregate = _row_aggregate(key[1], row, shift)
                    aggregates.append(aggregate)
                lines += rollup_lines(key, "agv", aggregates)
            _write(client, lines)
            written += len(lines)
        _write(client, hourly_lines(client, min(targets), source[0] + HOUR_MS))
        _write(client, daily_lines(client, min(targets), source[1]))
    return written


def _write(client: InfluxClient, lines: list[str]) -> None:
    for start in range(0, len(lines), 20_000):
        client.write(lines[start : start + 20_000], retention_policy=client.settings.rollup_retention_policy)


def _row_aggregate(gateway: str, row: dict, shift: int) -> compute.MinuteAggregate:
    from registry.evidence.store import _aggregate_from_row

    aggregate = _aggregate_from_row(gateway, int(row["time"]) + shift, row)
    for name in ("last_ts", "unavail_start", "unavail_end"):
        if getattr(aggregate, name):
            setattr(aggregate, name, getattr(aggregate, name) + shift)
    return aggregate


INFLUXD_PID: list[int] = []  # the bench's InfluxDB, for its CPU time
LAST_CPU: dict[str, float] = {}


def _cpu_s() -> tuple[float, float]:
    """(InfluxDB's, this process's) CPU seconds so far: what a call costs, whatever else loads the machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{INFLUXD_PID[0]}/stat").read_text().rsplit(")", 1)[1].split()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (int(fields[11]) + int(fields[12])) / ticks, usage.ru_utime + usage.ru_stime


def timed(fn, repeat: int) -> tuple[list[float], object]:
    """Wall ms per call; LAST_CPU: mean CPU ms per call of InfluxDB and of this process, and the load average."""
    times, result = [], None
    before = _cpu_s()
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    after = _cpu_s()
    LAST_CPU.update(influxdb=(after[0] - before[0]) * 1000 / repeat, python=(after[1] - before[1]) * 1000 / repeat)
    LAST_CPU["load"] = os.getloadavg()[0]
    return times, result


def cpu_note() -> str:
    return (
        f"CPU per call: InfluxDB {LAST_CPU['influxdb']:.0f} ms + Python {LAST_CPU['python']:.0f} ms;"
        f" load average {LAST_CPU['load']:.1f} on {os.cpu_count()} cores"
    )


def pct(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-q * len(ordered) // 100) - 1)]


def registry_db(root: Path, fleet: int) -> str:
    url = f"sqlite:///{root / 'registry.db'}"
    prepare_database(url)
    fill(url, fleet)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        ids = list(session.scalars(select(UseCase.id).order_by(UseCase.id)))
        session.execute(
            insert(Gateway),
            [{"id": f"gw-bench-{i}", "use_case_id": ids[0], "site_name": "bench"} for i in range(10)]
            + [{"id": f"gw-fleet-{uc}", "use_case_id": uc, "site_name": "bench", "online": True} for uc in ids[1:]],
        )
        session.get(UseCase, ids[0]).scenario_key = "agv"  # type: ignore[union-attr]
    engine.dispose()
    return url


def fleet_rollups(settings: EvidenceSettings, use_case_ids: list[int], day_start: int) -> int:
    """25 h of 1-minute rows per fleet gateway (computed once, copied per gateway) and their hourly rows."""
    profile = compute.profile_of("agv")
    samples = []
    first = day_start - HOUR_MS
    for ts in range(first, day_start + DAY_MS, 1000):
        kpis = _kpis(0, ts)
        if kpis is not None:
            flags = sla_fields("agv", kpis)
            values = {b.kpi: kpis[b.kpi] for b in profile.bounds if b.kpi in kpis}
            samples.append(compute.RawSample(ts, bool(flags["sla_ok"]), values, {}))
    minutes = compute.minute_aggregates(
        "x", samples, start=first, end=day_start + DAY_MS, profile=profile, gap_ms=3000
    ).values()
    written = 0
    with InfluxClient(settings) as client:
        rollup.ensure_retention_policies(client)
        for uc in use_case_ids:
            lines = rollup_lines((str(uc), f"gw-fleet-{uc}"), "agv", minutes)
            _write(client, lines)
            written += len(lines)
        _write(client, hourly_lines(client, first, day_start + DAY_MS))
        client.write(
            [checkpoint_line(Checkpoint(first, day_start + DAY_MS), int(time.time() * 1000))],
            retention_policy=settings.rollup_retention_policy,
        )
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-days", type=float, default=30, help="days of 1 Hz raw samples (the rest: copies)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--fleet", type=int, default=1000)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory(prefix="i5g-bench-evidence-") as tmp:
        root = Path(tmp)
        server = InfluxDBServer(root / "influxdb").start()
        INFLUXD_PID.append(server.process.pid)
        try:
            return run(root, server, args)
        finally:
            server.stop()


def run(root: Path, server: InfluxDBServer, args: argparse.Namespace) -> int:
    now = int(time.time() * 1000)
    end = now - now % 60_000
    start30 = end - 30 * DAY_MS
    raw_start = end - int(args.raw_days * DAY_MS) // 60_000 * 60_000
    server.create_database("ev")
    settings = EvidenceSettings(influx_url=server.url, database="ev", rollup_settle_s=0, timeout_s=120)
    url = registry_db(root, args.fleet)

    began = time.perf_counter()
    points = write_raw(server.url, "ev", raw_start, end, 10)
    print(f"raw: {points:,} samples ({args.raw_days} d x 10 gateways x 1 Hz) in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    rollup.run_once(settings, now_ms=end)
    print(f"rollup job over the raw data: {time.perf_counter() - began:.1f} s")
    copies = []
    day = raw_start - DAY_MS
    while day >= start30:
        copies.append(day)
        day -= DAY_MS
    if copies and args.raw_days >= 1:
        copied = copy_rollups(settings, (raw_start, raw_start + DAY_MS), copies)
        with InfluxClient(settings) as client:
            client.write(
                [checkpoint_line(Checkpoint(start30, end), now)], retention_policy=settings.rollup_retention_policy
            )
        print(f"rollup rows for the {len(copies)} older days: {copied:,} copies of the job's rows")

    engine = make_engine(url)
    session_factory = make_sessionmaker(engine)
    with session_scope(session_factory) as session:
        use_case = session.scalars(select(UseCase).order_by(UseCase.id)).first()
        assert use_case is not None
        w30 = WindowSpec(name="30d", start=_dt(start30), end=_dt(end))
        times30, ev30 = timed(lambda: service.use_case_evidence(session, use_case, w30, settings=settings), args.repeat)
        print(
            f"30-day evidence (rollups, {ev30.source}): p50 {pct(times30, 50):.0f} ms, p95 {pct(times30, 95):.0f} ms"
            f" (goal <= 500 ms); samples {ev30.samples:,}, availability {ev30.availability_pct} %; {cpu_note()}"
        )
        raw_window = WindowSpec(name="custom", start=_dt(raw_start + 10 * 60_000), end=_dt(end))
        raw_settings = settings.model_copy(update={"rollup_retention_policy": "none"})
        repeat_raw = max(1, min(3, args.repeat))
        t_roll, ev_roll = timed(
            lambda: service.use_case_evidence(session, use_case, raw_window, settings=settings), args.repeat
        )
        t_raw, ev_raw = timed(
            lambda: service.use_case_evidence(session, use_case, raw_window, settings=raw_settings), repeat_raw
        )
        same = ev_roll.model_dump(exclude={"source"}) == ev_raw.model_dump(exclude={"source"})
        rolled_ms, raw_ms = statistics.median(t_roll), statistics.median(t_raw)
        print(
            f"same window ({raw_window.seconds / 86400:.2f} d) from rollups: median {rolled_ms:.0f} ms;"
            f" from raw: median {raw_ms:.0f} ms; ratio {raw_ms / rolled_ms:.0f}x; figures equal: {same}"
        )

        ids = list(session.scalars(select(UseCase.id).order_by(UseCase.id)))[1:]
    fleet_db = "fleet"
    server.create_database(fleet_db)
    fleet_settings = settings.model_copy(update={"database": fleet_db})
    day_start = end - DAY_MS
    began = time.perf_counter()
    rows = fleet_rollups(fleet_settings, ids, day_start)
    print(f"fleet: {len(ids)} use cases, {rows:,} rollup rows written in {time.perf_counter() - began:.0f} s")
    with session_scope(session_factory) as session:
        w24 = WindowSpec(name="24h", start=_dt(day_start), end=_dt(end))
        filters = service.FleetFilters(approved_only=False)
        times_fleet, fleet = timed(
            lambda: service.fleet_evidence(session, filters, w24, settings=fleet_settings), args.repeat
        )
        print(
            f"fleet list 24 h over {len(fleet.rows)} use cases ({fleet.start:%H:%M} to {fleet.end:%H:%M} UTC):"
            f" p50 {pct(times_fleet, 50):.0f} ms, p95 {pct(times_fleet, 95):.0f} ms (goal <= 1000 ms); {cpu_note()}"
        )
    engine.dispose()
    ok = pct(times30, 95) <= 500 and pct(times_fleet, 95) <= 1000 and same
    return 0 if ok else 1


def _dt(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


if __name__ == "__main__":
    sys.exit(main())
