"""Wiring and lifecycle: MQTT intake -> queue -> writer thread (validate, enrich, SLA, write, ack)."""

from __future__ import annotations

import logging
import queue
import signal
import threading
from typing import Any

from collector.arrivals import ArrivalLedger
from collector.enrich import GatewayDirectory
from collector.intake import Delivery, MqttIntake
from collector.metrics import CollectorMetrics, MetricsServer, prometheus_text
from collector.pipeline import Pipeline
from collector.registry_client import RegistryClient
from collector.settings import CollectorSettings
from collector.sparkplug import SparkplugSessions
from collector.status import StatusReporter
from collector.writer import InfluxWriter

log = logging.getLogger("i5g.collector")


class Collector:
    def __init__(self, settings: CollectorSettings) -> None:
        s = settings
        self.settings = s
        self.metrics = CollectorMetrics()
        self.deliveries: queue.SimpleQueue[Delivery] = queue.SimpleQueue()  # C-implemented: cheaper per message
        self.registry = RegistryClient(s.registry_url, s.registry_token.get_secret_value(), s.registry_timeout_s)
        self.directory = GatewayDirectory(
            self.registry.fetch_directory,
            s.directory_cache_path,
            refresh_s=s.directory_refresh_s,
            forced_refresh_min_s=s.directory_forced_refresh_min_s,
        )
        self.status = StatusReporter(self.registry.post_statuses, s.status_push_interval_s)
        self.writer = InfluxWriter(
            s.influx_url,
            s.influx_token.get_secret_value(),
            s.influx_org,
            s.influx_bucket,
            timeout_ms=s.write_timeout_ms,
            retry_initial_ms=s.retry_initial_ms,
            retry_max_ms=s.retry_max_ms,
        )
        self.intake = MqttIntake(s, self.deliveries, self.metrics)
        self.pipeline = Pipeline(
            replica=s.replica,
            deliveries=self.deliveries,
            directory=self.directory,
            writer=self.writer,
            ack=self.intake.ack,
            status=self.status,
            metrics=self.metrics,
            batch_max_lines=s.batch_max_lines,
            flush_interval_ms=s.flush_interval_ms,
            receive_maximum=s.receive_maximum,
            metrics_interval_s=s.metrics_interval_s,
            arrivals=ArrivalLedger(s.state_dir / "dead_letter_arrivals.sqlite"),
            sparkplug=SparkplugSessions(
                s.sparkplug_state_path, seq_check=s.sparkplug_seq_check, rebirth_min_s=s.sparkplug_rebirth_min_s
            ),
            publish=self.intake.publish,
        )
        self.http = MetricsServer(s.metrics_host, s.metrics_port, self.prometheus, self.health)
        self._stopped = False
        self._pipeline_thread = threading.Thread(target=self.pipeline.run, name="collector-writer", daemon=True)

    def start(self) -> Collector:
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        self.directory.load_cache_file()
        self.directory.start()
        self.status.start()
        self.http.start()
        self._pipeline_thread.start()
        self.intake.start()
        log.info(
            "collector %s started: mqtt %s:%d group %s, influx %s bucket %s, metrics http://%s:%d",
            self.settings.replica,
            self.settings.mqtt_host,
            self.settings.mqtt_port,
            self.settings.share_group,
            self.settings.influx_url,
            self.settings.influx_bucket,
            self.settings.metrics_host,
            self.http.port,
        )
        return self

    def stop(self, drain_timeout_s: float = 5.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        # Store and acknowledge what is batched while still connected; whatever is left unacknowledged
        # stays in the broker's session and comes back on the next start.
        self.pipeline.drain_event.set()
        self._pipeline_thread.join(drain_timeout_s)
        self.pipeline.stop_event.set()
        self._pipeline_thread.join(5)
        self.intake.stop()
        self.directory.stop()
        self.status.stop()
        self.http.stop()
        self.writer.close()
        self.pipeline.close()
        self.registry.close()
        log.info("collector %s stopped", self.settings.replica)

    def health(self) -> dict[str, Any]:
        checks = {
            "mqtt_connected": self.intake.connected,
            "directory_ready": self.directory.ready,
            "influx_ok": self.writer.failing_since is None,
            "pipeline_alive": self.pipeline.alive,
        }
        return {
            "status": "ok" if all(checks.values()) else "degraded",
            **checks,
            "replica": self.settings.replica,
            "directory_gateways": len(self.directory),
            "queued": self.deliveries.qsize(),
            "mqtt_error": self.intake.last_error,
            "influx_error": self.writer.last_error,
            "registry_error": self.directory.last_error or self.status.last_error,
        }

    def prometheus(self) -> str:
        gauges = {
            "queued_messages": (self.deliveries.qsize(), "messages received and not yet processed"),
            "mqtt_connected": (self.intake.connected, "1 while connected to the broker"),
            "influx_up": (self.writer.failing_since is None, "0 while InfluxDB writes are failing"),
            "directory_gateways": (len(self.directory), "gateways in the cached registry directory"),
        }
        return prometheus_text(self.metrics.snapshot(), gauges)


def run(settings: CollectorSettings) -> int:
    """Run until SIGINT/SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    collector = Collector(settings).start()
    try:
        while not stop.wait(1.0):
            if not collector.pipeline.alive:
                # A bug killed the writer thread: exit so the supervisor restarts us; nothing unwritten was acked.
                log.critical("the writer thread died; exiting so the replica is restarted")
                return 1
    finally:
        collector.stop()
    return 0
