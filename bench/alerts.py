"""Alert evaluation speed: one evaluator round for a fleet of use cases, against reading the same telemetry.

    .venv/bin/python bench/alerts.py [--use-cases 200] [--minutes 10] [--repeat 5]

A throw-away InfluxDB 1.6 (Debian's influxd) and a migrated SQLite registry in a temp dir. `--use-cases` use
cases (every scenario in turn) get one gateway each; each gateway reports online and `--minutes` of
1 Hz samples written with the collector's own line builders and SLA flags, every fifth gateway breaching its
scenario's RTT bound for the last two minutes. Timed in the same run:
- baseline: reading what a round reads (evidence.store.read_raw + read_status over the round's look-back);
- the first round (adds the default rules, opens the alerts) and steady rounds (nothing changes): p50/p95, and
  the ratio of a steady round to the baseline.
`--rollups` runs the evidence rollup job once first, as production runs it beside the evaluator: availability then
reads 1-minute rows for the settled minutes instead of every raw sample of its window.
Goal: a steady round for 200 use cases well inside the 15 s evaluation interval.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from collector.sla import sla_fields
from collector.writer import gateway_status_line, kpi_line
from devstack.influxdb import InfluxDBServer
from i5g import scenarios
from i5g.lineprotocol import tag_set
from registry.alerts.evaluate import _lookback_s, monitored_use_cases, run_round
from registry.alerts.models import Alert, AlertRule
from registry.alerts.settings import AlertSettings
from registry.db import make_engine, make_sessionmaker, session_scope
from registry.enterprises.schemas import EnterpriseCreate
from registry.enterprises.service import create_enterprise
from registry.enums import LifecycleStage, NetworkMode, ReviewStatus
from registry.evidence import rollup, store
from registry.evidence.influx import InfluxClient
from registry.evidence.settings import EvidenceSettings
from registry.gateways.models import Gateway
from registry.schema import prepare_database
from registry.usecases.schemas import UseCaseCreate
from registry.usecases.service import create_use_case


def fill(factory: sessionmaker[Session], n: int) -> list[tuple[int, str, str]]:
    """n approved use cases over every scenario (ten per enterprise), one gateway each."""
    keys = sorted(scenarios.SCENARIOS)
    fleet = []
    with session_scope(factory) as session:
        for i in range(n):
            if i % 10 == 0:
                data = EnterpriseCreate(name=f"基准企业{i // 10}号", city="常州", province="江苏", industry="钢铁")
                enterprise = create_enterprise(session, data).id
            scenario = keys[i % len(keys)]
            use_case = UseCaseCreate(
                enterprise_id=enterprise,
                title=f"bench {i}",
                scenario=scenario,
                network_mode=NetworkMode.vpn,
                stage=LifecycleStage.operating,
                review_status=ReviewStatus.approved,
            )
            use_case_id = create_use_case(session, use_case).id
            session.add(Gateway(id=f"gw-bench-{i}", use_case_id=use_case_id, site_name="bench"))
            fleet.append((use_case_id, f"gw-bench-{i}", scenario))
    return fleet


def _good(scenario: str) -> dict[str, float]:
    """Every bounded KPI of the scenario just inside its bound."""
    return {
        r.kpi: float(r.value) * (0.5 if r.direction == "max" else 2) for r in scenarios.bounds_for(scenario) if r.kpi
    }


def write_telemetry(url: str, database: str, fleet: list[tuple[int, str, str]], now: int, minutes: int) -> int:
    lines: list[str] = []
    for index, (use_case, gateway, scenario) in enumerate(fleet):
        tags = tag_set((("gateway", gateway), ("use_case", str(use_case)), ("scenario", scenario)))
        lines.append(gateway_status_line(tags, now - minutes * 60_000 - 1000, True, 0, "bench"))
        good = _good(scenario)
        for ts in range(now - minutes * 60_000, now, 1000):
            kpis = dict(good)
            if index % 5 == 0 and ts >= now - 120_000 and "rtt_ms" in kpis:
                kpis["rtt_ms"] *= 10
            lines.append(kpi_line(tags, ts, ts // 1000, kpis, {}, sla_fields(scenario, kpis)))
    with httpx.Client(timeout=120) as http:
        for start in range(0, len(lines), 20_000):
            body = "\n".join(lines[start : start + 20_000])
            http.post(f"{url}/write", params={"db": database, "precision": "ms"}, content=body).raise_for_status()
    return len(lines)


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--use-cases", type=int, default=200)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one more steady round")
    parser.add_argument("--rollups", action="store_true", help="run the evidence rollup job once before timing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        influx = InfluxDBServer(Path(tmp) / "influx").start()
        try:
            influx.create_database("bench")
            url = f"sqlite:///{tmp}/registry.db"
            prepare_database(url)
            factory = make_sessionmaker(make_engine(url))
            fleet = fill(factory, args.use_cases)
            now = int(time.time() * 1000)
            written = write_telemetry(influx.url, "bench", fleet, now, args.minutes)
            evidence = EvidenceSettings(influx_url=influx.url, database="bench", timeout_s=60)
            if args.rollups:  # as in production, where `i5g evidence rollup --follow` runs beside the evaluator
                rollup.run_once(evidence)
            settings = AlertSettings()
            at = datetime.fromtimestamp(now / 1000, UTC)

            def round_once() -> None:
                run_round(factory, evidence, settings, at)

            first = timed(round_once, 1)
            with session_scope(factory) as session:
                rules = session.scalar(select(func.count()).select_from(AlertRule))
                alerts = session.scalar(select(func.count()).select_from(Alert))
                keys = [str(uc.id) for uc in monitored_use_cases(session)]
                lookback = _lookback_s(session.scalars(select(AlertRule)))

            def read_only() -> None:
                with InfluxClient(evidence) as client:
                    start = now - int(lookback * 1000)
                    store.read_raw(client, start, now + 1, keys)
                    store.read_status(client, start, now + 1, keys)

            baseline = timed(read_only, args.repeat)
            steady = timed(round_once, args.repeat)
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.runcall(round_once)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        finally:
            influx.stop()
    base, rounds = statistics.median(baseline), statistics.median(steady)
    rolled = "rolled up (settled minutes)" if args.rollups else "raw only"
    print(f"fleet: {len(fleet)} use cases x 1 gateway, {written:,} points, {rolled}; {rules} rules, {alerts} alerts")
    print(f"baseline (read what a round reads): p50 {base:.0f} ms, p95 {p95(baseline):.0f} ms")
    print(f"first round (rules + alerts created): {first[0]:.0f} ms")
    print(f"steady round: p50 {rounds:.0f} ms, p95 {p95(steady):.0f} ms; ratio to baseline {rounds / base:.2f}")


if __name__ == "__main__":
    main()
