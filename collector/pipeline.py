"""The writer thread: deliveries in, points batched, stored, then acknowledged.

One thread owns the batch, so acknowledgements go out in the order messages arrived, and only after
InfluxDB confirmed every point of the message (or the message was dead-lettered, which is a point too).
A batch is flushed when it reaches `batch_max_lines`, when its oldest message has waited
`flush_interval_ms`, or when half the broker's in-flight window is waiting on it (the broker cannot send
more until we acknowledge, so waiting longer would only idle).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from collector.arrivals import ArrivalLedger, dead_letter_key
from collector.enrich import GatewayDirectory, GatewayInfo
from collector.intake import Delivery
from collector.metrics import CollectorMetrics
from collector.sla import sla_fields
from collector.sparkplug import SparkplugSessions
from collector.status import StatusReporter
from collector.validate import (
    GoodSample,
    Reason,
    Rejection,
    decode_status,
    decode_telemetry,
)
from collector.writer import (
    InfluxWriter,
    RefusedLine,
    collector_line,
    dead_letter_line,
    gateway_status_line,
    kpi_line,
)
from i5g.contract import SPARKPLUG_NAMESPACE, UNKNOWN_GATEWAY, parse_sparkplug_topic, parse_topic
from i5g.lineprotocol import cached_tag_set

log = logging.getLogger("i5g.collector.pipeline")
SPARKPLUG_PREFIX = f"{SPARKPLUG_NAMESPACE}/"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Batch:
    lines: list[str] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    points: int = 0  # kpi and gateway_status points (dead letters are counted separately)
    dead_letters: int = 0
    oldest_sample_ts: int | None = None
    seen: dict[str, int] = field(default_factory=dict)  # gateway -> latest arrival of its telemetry
    started: float = 0.0  # monotonic time of the first delivery


class Pipeline:
    def __init__(
        self,
        *,
        replica: str,
        deliveries: queue.SimpleQueue[Delivery],
        directory: GatewayDirectory,
        writer: InfluxWriter,
        ack: Callable[[list[Delivery]], int],
        status: StatusReporter,
        metrics: CollectorMetrics,
        batch_max_lines: int,
        flush_interval_ms: int,
        receive_maximum: int,
        metrics_interval_s: float,
        arrivals: ArrivalLedger | None = None,
        sparkplug: SparkplugSessions | None = None,
        publish: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self._replica = replica
        self._arrivals = arrivals or ArrivalLedger(":memory:")
        self._sparkplug = sparkplug or SparkplugSessions(None)
        self._publish = publish  # rebirth requests (NCMD) to Sparkplug edge nodes
        self._deliveries = deliveries
        self._directory = directory
        self._writer = writer
        self._ack = ack
        self._status = status
        self._metrics = metrics
        self._max_lines = batch_max_lines
        self._flush_s = flush_interval_ms / 1000
        self._max_waiting = max(1, receive_maximum // 2)
        self._metrics_interval_s = metrics_interval_s
        self._last_dead_letter_ms = 0
        self.stop_event = threading.Event()  # stop now, even in the middle of retrying a write
        self.drain_event = threading.Event()  # store and acknowledge the current batch, then stop
        self.alive = True

    # ------------------------------------------------------------------------------------------- loop

    def run(self) -> None:
        batch = Batch()
        next_metrics = time.monotonic() + self._metrics_interval_s
        try:
            while not self.stop_event.is_set():
                if self.drain_event.is_set():
                    if batch.lines:
                        self._flush(batch)
                    return
                if batch.deliveries:
                    timeout = batch.started + self._flush_s - time.monotonic()
                else:
                    timeout = min(self._flush_s, 0.5)
                arrived = self._take(timeout)
                if arrived:
                    if not self._wait_for_directory():
                        return
                    if not batch.deliveries:
                        batch.started = time.monotonic()
                    for delivery in arrived:
                        self._process(delivery, batch)
                if time.monotonic() >= next_metrics:
                    batch.lines.append(collector_line(self._replica, now_ms(), self._metrics.snapshot()))
                    next_metrics = time.monotonic() + self._metrics_interval_s
                if self._due(batch):
                    if not self._flush(batch):
                        return  # stopped while InfluxDB was unreachable: nothing of this batch is acked
                    batch = Batch()
        except Exception:
            log.exception("writer thread failed")
            raise
        finally:
            self.alive = False

    def _take(self, timeout: float) -> list[Delivery]:
        """What has arrived, waiting up to `timeout` for the first: taken together, so the batch checks run
        once per round instead of once per message (a round is bounded by the broker's in-flight window)."""
        try:
            arrived = [self._deliveries.get(timeout=max(timeout, 0.0005))]
        except queue.Empty:
            return []
        get = self._deliveries.get_nowait
        for _ in range(self._max_waiting):
            try:
                arrived.append(get())
            except queue.Empty:
                break
        return arrived

    def _due(self, batch: Batch) -> bool:
        if not batch.lines:
            return False
        if not batch.deliveries:  # only our own metrics line
            return True
        if len(batch.lines) >= self._max_lines or len(batch.deliveries) >= self._max_waiting:
            return True
        return time.monotonic() - batch.started >= self._flush_s

    def _wait_for_directory(self) -> bool:
        # Without any directory (registry down and no cache file yet) nothing can be tagged; hold the
        # messages unacknowledged rather than dead-letter good data.
        warned = False
        while not self._directory.ready:
            if not warned:
                log.warning("no gateway directory yet (registry unreachable, no cache): holding telemetry")
                warned = True
            if self.stop_event.wait(0.2):
                return False
        return True

    # --------------------------------------------------------------------------------------- processing

    def _process(self, delivery: Delivery, batch: Batch) -> None:
        batch.deliveries.append(delivery)
        if delivery.topic.startswith(SPARKPLUG_PREFIX):
            self._process_sparkplug(delivery, batch)
            return
        parsed = parse_topic(delivery.topic)
        if parsed is not None and parsed[1] == "status":
            self._process_status(delivery, batch)
        else:
            self._process_telemetry(delivery, batch)

    def _resolve(self, gateway: str) -> GatewayInfo | Rejection:
        # A registered gateway's samples are stored whatever its administrative state (disabled, or its use
        # case back in review): the broker is what keeps a disabled gateway out, and whatever it measured before
        # the cut, or spooled and drains after re-enabling, is real data (issues 16.6 and 18).
        info = self._directory.lookup(gateway)
        if info is None:
            return Rejection(Reason.UNKNOWN_GATEWAY, f"gateway {gateway!r} is not in the registry directory")
        return info

    def _process_telemetry(self, delivery: Delivery, batch: Batch) -> None:
        decoded = decode_telemetry(delivery.topic, delivery.payload, delivery.received_ms)
        # Rejections sharing (reason, sample ts) become one record with their count.
        at_sample_ts: dict[tuple[str, int], list[Rejection]] = {}
        for rejection in decoded.rejections:
            if rejection.ts is None:
                self._dead_letter(batch, delivery, decoded.gateway, rejection)
            else:
                at_sample_ts.setdefault((rejection.reason, rejection.ts), []).append(rejection)
        for (reason, ts), group in at_sample_ts.items():
            detail = group[0].detail if len(group) == 1 else f"{group[0].detail} (+{len(group) - 1} more at this ts)"
            self._dead_letter(batch, delivery, decoded.gateway, Rejection(reason, detail, ts), count=len(group))
        if not decoded.samples:
            return
        info = self._resolve(decoded.gateway)
        if isinstance(info, Rejection):
            # One record for the message's samples.
            first_ts = min(sample.ts for sample in decoded.samples)
            rejection = Rejection(info.reason, info.detail, first_ts)
            self._dead_letter(batch, delivery, decoded.gateway, rejection, count=len(decoded.samples))
            return
        self._write_samples(info, decoded.samples, batch)
        batch.seen[decoded.gateway] = delivery.received_ms  # told to the status reporter once per batch

    def _write_samples(self, info: GatewayInfo, samples: Iterable[GoodSample], batch: Batch) -> int:
        tags = cached_tag_set(info.tags)
        written = 0
        for sample in samples:
            sla = sla_fields(info.scenario, sample.kpis)
            batch.lines.append(kpi_line(tags, sample.ts, sample.seq, sample.kpis, sample.ctx, sla))
            if batch.oldest_sample_ts is None or sample.ts < batch.oldest_sample_ts:
                batch.oldest_sample_ts = sample.ts
            written += 1
        batch.points += written
        return written

    def _status_point(self, info: GatewayInfo, ts: int, online: bool, batch: Batch, **extra: Any) -> None:
        batch.lines.append(
            gateway_status_line(
                cached_tag_set(info.tags),
                ts,
                online,
                extra.get("dropped", 0),
                extra.get("agent_version"),
                info.lat,
                info.lon,
            )
        )
        batch.points += 1
        if info.id in batch.seen:  # keep arrival order: telemetry before this status, then the status
            self._status.telemetry_seen(info.id, batch.seen.pop(info.id))
        self._status.status_received(info.id, online, ts)

    def _process_sparkplug(self, delivery: Delivery, batch: Batch) -> None:
        """A Sparkplug B message (collector/sparkplug.py): same checks, tags, SLA fields and points as ours."""
        topic = parse_sparkplug_topic(delivery.topic)
        if topic is None:
            detail = f"not a Sparkplug B edge node topic: {delivery.topic[:100]!r}"
            self._dead_letter(batch, delivery, UNKNOWN_GATEWAY, Rejection(Reason.TOPIC, detail))
            return
        info = self._directory.lookup_sparkplug(topic.group, topic.node)
        if info is None:
            detail = f"Sparkplug edge node {topic.group}/{topic.node} is not declared by any registered gateway"
            self._dead_letter(batch, delivery, UNKNOWN_GATEWAY, Rejection(Reason.UNKNOWN_GATEWAY, detail))
            return
        outcome = self._sparkplug.process(topic, delivery.payload, info, delivery.received_ms)
        for rejection in outcome.rejections:
            self._dead_letter(batch, delivery, info.id, rejection)
        if self._write_samples(info, outcome.samples, batch):
            batch.seen[info.id] = delivery.received_ms
        if outcome.online is not None:
            self._status_point(info, outcome.status_ts or delivery.received_ms, outcome.online, batch)
        if outcome.rebirth is not None and self._publish is not None:
            log.warning("asking Sparkplug edge node %s/%s (gateway %s) to rebirth", topic.group, topic.node, info.id)
            self._publish(*outcome.rebirth)

    def _process_status(self, delivery: Delivery, batch: Batch) -> None:
        report = decode_status(delivery.topic, delivery.payload)
        gateway = parse_topic(delivery.topic)[0]  # type: ignore[index]  # _process checked it
        if isinstance(report, Rejection):
            self._dead_letter(batch, delivery, gateway, report)
            return
        info = self._resolve(gateway)
        if isinstance(info, Rejection):
            self._dead_letter(batch, delivery, gateway, info)
            return
        # The agent's own ts makes a redelivered or re-sent retained status the same point; a last will
        # has none, so it is stamped when it arrived.
        ts = report.ts if report.ts is not None else delivery.received_ms
        self._status_point(info, ts, report.online, batch, dropped=report.dropped, agent_version=report.agent_version)
        self._status.config_reported(gateway, report.applied_version, report.config_rejected)

    def _dead_letter(
        self,
        batch: Batch,
        delivery: Delivery,
        gateway: str,
        rejection: Rejection,
        *,
        count: int = 1,
    ) -> None:
        """Record a rejection at the time its message first arrived (collector/arrivals.py): visible in the
        time range when it came, and a redelivery rewrites the same point instead of adding one. The rejected
        sample's own ts, when it has one, is kept in the `sample_ts` field."""
        key = dead_letter_key(delivery.topic, delivery.payload, rejection.reason, rejection.ts)
        ts = self._arrivals.first_arrival(key, delivery.received_ms)
        batch.lines.append(
            dead_letter_line(gateway, rejection.reason, ts, rejection.detail, delivery.topic, count, rejection.ts, key)
        )
        batch.dead_letters += count
        log.warning(
            "dead letter: gateway=%s reason=%s count=%d detail=%s", gateway, rejection.reason, count, rejection.detail
        )

    def close(self) -> None:
        self._arrivals.close()

    # ------------------------------------------------------------------------------------------ flushing

    def _flush(self, batch: Batch) -> bool:
        """Store the batch and acknowledge its messages; False when stopped before it could be stored."""
        started = time.monotonic()
        refused: list[RefusedLine] = []
        # One message may add up to MAX_SAMPLES_PER_MESSAGE lines, so a batch can overshoot: write in chunks.
        for first in range(0, len(batch.lines), self._max_lines):
            chunk = batch.lines[first : first + self._max_lines]
            chunk_refused = self._writer.write_batch(chunk, self.stop_event, self._count_retry)
            if chunk_refused is None:
                return False
            refused += chunk_refused
        if refused:
            self._record_refused(refused)
        latency_ms = (time.monotonic() - started) * 1000
        lag_ms = float(now_ms() - batch.oldest_sample_ts) if batch.oldest_sample_ts is not None else 0.0
        self._metrics.observe_batch(latency_ms, lag_ms)
        self._metrics.add("written", batch.points - len(refused))
        self._metrics.add("dead_lettered", batch.dead_letters + len(refused))
        for gateway, received_ms in batch.seen.items():
            self._status.telemetry_seen(gateway, received_ms)
        acked = self._ack(batch.deliveries)
        self._metrics.add("acked", acked)
        return True

    def _count_retry(self, error: str) -> None:
        self._metrics.add("write_retries")

    def _record_refused(self, refused: list[RefusedLine]) -> None:
        lines = []
        for item in refused:
            log.error("InfluxDB refused a line (%s): %.200s", item.error, item.line)
            self._last_dead_letter_ms = max(now_ms(), self._last_dead_letter_ms + 1)
            stamp = self._last_dead_letter_ms
            lines.append(dead_letter_line(UNKNOWN_GATEWAY, Reason.REFUSED, stamp, item.error, item.line[:300]))
        # Best effort: if even the dead letters are refused, the log lines above are the record.
        self._writer.write_batch(lines, self.stop_event)
