"""The rollup job on real InfluxDB: retention policies, figures equal to raw, resume after kill -9 without gaps or
double counting, and late data re-rolled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from i5g.contract import MEASUREMENT_KPI_1M
from registry.evidence import compute, rollup, store
from registry.evidence.influx import InfluxClient
from registry.evidence.settings import EvidenceSettings
from tests.collector.conftest import wait_for
from tests.evidence.conftest import evidence_settings, minute_ago, sample_lines, write_lines

GOOD = {"rtt_ms": 50.0, "jitter_ms": 5.0, "loss_pct": 0.0, "ul_mbps": 8.0, "dl_mbps": 1.0, "video_mbps": 6.0}
BAD = {**GOOD, "rtt_ms": 900.0}


def _history(t0: int, minutes: int) -> list[str]:
    """Two gateways, a sample every 5 s, a bad stretch every 17 minutes and a silent stretch in one of them."""
    lines: list[str] = []
    for gateway in ("gw-r-1", "gw-r-2"):
        points = []
        for i in range(minutes * 12):
            ts = t0 + i * 5000
            if gateway == "gw-r-2" and 40 * 12 <= i < 55 * 12:
                continue
            points.append((ts, BAD if (i // 12) % 17 == 3 else {**GOOD, "rtt_ms": 20.0 + i % 40}))
        lines += sample_lines(gateway, 7, "video_surveillance", points)
    return lines


def _figures(
    settings: EvidenceSettings, start: int, end: int, bucket_ms: int | None = None
) -> tuple[store.Collected, set[str]]:
    with InfluxClient(settings) as client:
        collected = store.collect(
            client,
            start,
            end,
            bucket_ms=bucket_ms or end - start,
            use_cases=["7"],
            profiles={"7": compute.profile_of("video_surveillance")},
            now_ms=int(time.time() * 1000),
        )
    return collected, collected.sources


def _raw_settings(settings: EvidenceSettings) -> EvidenceSettings:
    """The same database read without rollups (a retention policy that does not exist)."""
    return settings.model_copy(update={"rollup_retention_policy": "no_rollups_here"})


def _same(settings: EvidenceSettings, start: int, end: int) -> None:
    # 1-hour buckets read the hourly rows (plus minute rows at the edges), 150-minute ones the minute rows only
    for bucket_ms in (store.HOUR_MS, 150 * 60_000):
        rolled_buckets, _ = _figures(settings, start, end, bucket_ms)
        raw_buckets, _ = _figures(_raw_settings(settings), start, end, bucket_ms)
        assert rolled_buckets.buckets == raw_buckets.buckets
        # the 5 longest periods (among equally long ones any may be shown): same lengths, each a real raw period
        rolled_top = compute.unavailable_periods(a for _, a in rolled_buckets.unavailable)[:5]
        raw_all = compute.unavailable_periods(a for _, a in raw_buckets.unavailable)
        assert [p.end - p.start for p in rolled_top] == [p.end - p.start for p in raw_all[:5]]
        assert len(rolled_top) == 5 and set(rolled_top) <= set(raw_all)
    rolled, sources = _figures(settings, start, end)
    raw, raw_sources = _figures(_raw_settings(settings), start, end)
    assert sources == {"rollup"} and raw_sources == {"raw"}
    assert sorted((k, a.minute, a.unavail_start, a.unavail_end) for k, a in rolled.unavailable) == sorted(
        (k, a.minute, a.unavail_start, a.unavail_end) for k, a in raw.unavailable
    )
    assert rolled.last_ts == raw.last_ts


def test_retention_policies_are_created(influxdb) -> None:
    settings = evidence_settings(influxdb.url, influxdb.database, raw_retention_days=30, rollup_retention_days=1825)
    with InfluxClient(settings) as client:
        rollup.ensure_retention_policies(client)
    policies = {row[0]: row[1] for row in influxdb.series_values(f'SHOW RETENTION POLICIES ON "{influxdb.database}"')}
    assert policies == {"autogen": "720h0m0s", "i5g_rollup": "43800h0m0s"}


def test_resume_after_kill_9_and_late_data(influxdb) -> None:
    t0 = minute_ago(180)
    write_lines(influxdb.url, influxdb.database, _history(t0, 150))
    env = {
        **os.environ,
        "I5G_EVIDENCE_INFLUX_URL": influxdb.url,
        "I5G_EVIDENCE_DATABASE": influxdb.database,
        "I5G_EVIDENCE_ROLLUP_SETTLE_S": "0",
        "I5G_EVIDENCE_ROLLUP_CHUNK_MINUTES": "1",  # many small chunks: the kill lands in the middle
    }
    job = subprocess.Popen(
        [sys.executable, "-m", "i5g.cli", "evidence", "rollup"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    settings = evidence_settings(influxdb.url, influxdb.database)
    with InfluxClient(settings) as client:
        wait_for(
            lambda: (cp := store.read_checkpoint(client)) is not None and cp.done_until >= t0 + 20 * 60_000,
            timeout=60,
            what="the job to roll 20 minutes",
        )
        os.kill(job.pid, signal.SIGKILL)
        job.wait(10)
        killed_at = store.read_checkpoint(client)
    assert killed_at is not None and killed_at.done_until < minute_ago(0), "the job finished before the kill"

    due = minute_ago(0)
    final = rollup.run_once(settings)
    assert final is not None and final.done_until >= due
    start, end = t0, t0 + 150 * 60_000
    _same(settings, start, end)  # no gap, no double count: every minute equals its raw computation

    # Late data: a spool drains an hour later, into minutes that were already rolled.
    late = [(t0 + 100 * 60_000 + 2500 + i * 5000, BAD) for i in range(12)]
    write_lines(influxdb.url, influxdb.database, sample_lines("gw-r-1", 7, "video_surveillance", late))
    before, _ = _figures(settings, start, end)
    rollup.run_once(settings)
    after, _ = _figures(settings, start, end)
    assert after.buckets != before.buckets
    _same(settings, start, end)


def test_daily_rows_equal_raw_figures(influxdb) -> None:
    """Buckets of whole days read the daily rows (plus hourly and minute rows at the edges): the same figures
    as raw samples, over a whole UTC day with breaches and a silence, and the parts really come from each level."""
    day = minute_ago(0) // store.DAY_MS * store.DAY_MS - store.DAY_MS  # yesterday 00:00 UTC
    lines: list[str] = []
    for gateway in ("gw-d-1", "gw-d-2"):
        points = []
        for i in range((26 * 60 * 60) // 20):  # a sample every 20 s from 02:00 the day before
            ts = day - 2 * store.HOUR_MS + i * 20_000
            if gateway == "gw-d-2" and 900 <= i < 1080:  # an hour of silence
                continue
            points.append((ts, BAD if i % 97 < 4 else {**GOOD, "rtt_ms": 20.0 + i % 40}))
        lines += sample_lines(gateway, 7, "video_surveillance", points)
    write_lines(influxdb.url, influxdb.database, lines)
    settings = evidence_settings(
        influxdb.url, influxdb.database, no_data_after_s=30, rollup_chunk_minutes=24 * 60, rollup_lookback_h=0
    )
    rollup.run_once(settings)
    start, end = day - 97 * 60_000, day + store.DAY_MS
    assert [m for m, _, _ in store.level_parts(start, end, store.DAY_MS)] == [MEASUREMENT_KPI_1M, "kpi_1h", "kpi_1d"]
    rolled, sources = _figures(settings, start, end, store.DAY_MS)
    raw, raw_sources = _figures(_raw_settings(settings), start, end, store.DAY_MS)
    assert sources == {"rollup"} and raw_sources == {"raw"}
    assert rolled.buckets == raw.buckets and len(rolled.buckets[("7", "gw-d-1")]) == 2
    assert rolled.last_ts == raw.last_ts
    total = compute.totals(rolled.buckets[("7", "gw-d-2")].values())
    assert total.samples == (26 * 60 * 60) // 20 - 180 - 23 * 3 and total.unavail_ms > 0  # from 01:37
    rolled_top = compute.unavailable_periods(a for _, a in rolled.unavailable)[:5]
    raw_all = compute.unavailable_periods(a for _, a in raw.unavailable)
    assert [p.end - p.start for p in rolled_top] == [p.end - p.start for p in raw_all[:5]]

    # The fleet overview of a 24 h window ending at 23:43 covers the 24 whole hours up to 23:00 from hourly rows
    # alone, with the availability counters and last samples of raw samples over those hours.
    with InfluxClient(settings) as client:
        overview = store.collect(
            client,
            day - 17 * 60_000,
            day + store.DAY_MS - 17 * 60_000,
            bucket_ms=store.DAY_MS,
            use_cases=None,
            profiles=None,
            now_ms=int(time.time() * 1000),
            overview=True,
        )
    covered = (day - store.HOUR_MS, day + 23 * store.HOUR_MS)
    assert overview.covered == covered and overview.sources == {"rollup"}
    raw_hours, _ = _figures(_raw_settings(settings), *covered, store.DAY_MS)
    for key in (("7", "gw-d-1"), ("7", "gw-d-2")):
        seen, expected = compute.totals(overview.buckets[key].values()), compute.totals(raw_hours.buckets[key].values())
        assert (seen.avail_ms, seen.unavail_ms) == (expected.avail_ms, expected.unavail_ms) != (0, 0)
        assert overview.last_ts[key] == raw_hours.last_ts[key]
