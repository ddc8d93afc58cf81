"""The rollup job (`i5g evidence rollup`): per-gateway 1-minute aggregates that evidence reads for long windows.

Each run rolls whole minutes from the checkpoint (minus `rollup_lookback_h`, so late data - a spool draining
hours later - is rolled again) up to now minus `rollup_settle_s`, one chunk at a time; after a chunk's points are
stored, the checkpoint advances to the chunk's end. Rollup points are keyed by (gateway tags, minute), so
rolling a minute twice overwrites it with the same or larger figures: idempotent, and a run killed with -9
resumes from the last checkpoint without gaps or double counting.
"""

from __future__ import annotations

import logging
import threading
import time

from i5g.contract import FIELD_SEQ, MEASUREMENT_KPI
from registry.evidence.compute import MINUTE_MS, floor_minute
from registry.evidence.influx import InfluxClient, ident
from registry.evidence.settings import EvidenceSettings
from registry.evidence.store import (
    Checkpoint,
    checkpoint_line,
    daily_lines,
    hourly_lines,
    raw_minutes,
    read_checkpoint,
    rollup_lines,
)

log = logging.getLogger("i5g.evidence.rollup")


def ensure_retention_policies(client: InfluxClient) -> None:
    """InfluxDB 1.x: raw retention on the raw policy, a long policy for rollups (2.x/3.x: docs/evidence.md)."""
    settings = client.settings
    database = ident(client.database)
    client.query(f"CREATE DATABASE {database}", write=True)
    existing = {
        row.get("name") for series in client.query(f"SHOW RETENTION POLICIES ON {database}") for row in series.rows()
    }
    for name, days in (
        (settings.raw_retention_policy, settings.raw_retention_days),
        (settings.rollup_retention_policy, settings.rollup_retention_days),
    ):
        verb = "ALTER" if name in existing else "CREATE"
        replication = "" if verb == "ALTER" else " REPLICATION 1"
        client.query(f"{verb} RETENTION POLICY {ident(name)} ON {database} DURATION {days}d{replication}", write=True)


def _write(client: InfluxClient, lines: list[str]) -> None:
    for start in range(0, len(lines), 5000):
        client.write(lines[start : start + 5000], retention_policy=client.settings.rollup_retention_policy)


def _earliest_sample(client: InfluxClient) -> int | None:
    measurement = client.rp(client.settings.raw_retention_policy, MEASUREMENT_KPI)
    for series in client.query(f'SELECT first("{FIELD_SEQ}") FROM {measurement}'):
        for row in series.values:
            return int(row[0])
    return None


def run_once(
    settings: EvidenceSettings, *, now_ms: int | None = None, max_chunks: int | None = None
) -> Checkpoint | None:
    """Roll everything due; returns the new checkpoint (None: no raw data yet). `max_chunks` stops early (tests
    use it to stand for a run killed between chunks)."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    until = floor_minute(now_ms - int(settings.rollup_settle_s * 1000))
    with InfluxClient(settings) as client:
        if settings.manage_retention_policies:
            ensure_retention_policies(client)
        checkpoint = read_checkpoint(client)
        if checkpoint is None:
            earliest = _earliest_sample(client)
            if earliest is None:
                return None
            checkpoint = Checkpoint(floor_minute(earliest), floor_minute(earliest))
        lookback = int(settings.rollup_lookback_h * 3_600_000)
        cursor = max(checkpoint.rolled_from, floor_minute(checkpoint.done_until - lookback))
        chunk = settings.rollup_chunk_minutes * MINUTE_MS
        chunks = 0
        while cursor < until and (max_chunks is None or chunks < max_chunks):
            end = min(until, cursor + chunk)
            lines: list[str] = []
            for key, minutes in raw_minutes(client, cursor, end, None).items():
                lines += rollup_lines(key, "", minutes.values())
            _write(client, lines)
            _write(client, hourly_lines(client, cursor, end))  # after the minutes: sums of what is stored
            _write(client, daily_lines(client, cursor, end))  # after the hours, likewise
            # Only after the chunk is stored: a kill before this line re-rolls the chunk next time.
            checkpoint = Checkpoint(checkpoint.rolled_from, max(checkpoint.done_until, end))
            client.write([checkpoint_line(checkpoint, now_ms)], retention_policy=settings.rollup_retention_policy)
            log.info("rolled %s minutes up to %s (%d points)", (end - cursor) // MINUTE_MS, end, len(lines))
            cursor = end
            chunks += 1
        return checkpoint


def rerun_from(settings: EvidenceSettings, start_ms: int) -> None:
    """Make the next run re-roll from `start_ms` (late data older than the look-back window)."""
    with InfluxClient(settings) as client:
        checkpoint = read_checkpoint(client)
        if checkpoint is None:
            return
        rolled_from = min(checkpoint.rolled_from, floor_minute(start_ms))
        # done_until moves back: minutes after it are re-rolled (overwritten), never lost.
        line = checkpoint_line(Checkpoint(rolled_from, floor_minute(start_ms)), int(time.time() * 1000))
        client.write([line], retention_policy=settings.rollup_retention_policy)


def follow(settings: EvidenceSettings, stop: threading.Event) -> None:
    """Run until `stop` is set, every rollup_interval_s; an InfluxDB outage is logged and retried."""
    from registry.evidence.errors import TelemetryUnavailable

    while not stop.is_set():
        try:
            run_once(settings)
        except TelemetryUnavailable as exc:
            log.warning("rollup run failed, retrying in %.0f s: %s", settings.rollup_interval_s, exc)
        stop.wait(settings.rollup_interval_s)
