"""The collector's own counters, served as `/metrics` (Prometheus text format) and `/healthz` on a small port,
and written to InfluxDB as the `collector` measurement."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from i5g.contract import COLLECTOR_COUNTERS as COUNTERS
from i5g.contract import FIELD_LAG_MS, FIELD_WRITE_LATENCY_MS


@dataclass
class CollectorMetrics:
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    write_latency_ms: float = 0.0  # duration of the last batch write, retries included
    lag_ms: float = 0.0  # largest (written - sample ts) of the last batch: how far behind real time we are
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self.counters[name] += amount

    def observe_batch(self, latency_ms: float, lag_ms: float) -> None:
        with self._lock:
            self.counters["write_batches"] += 1
            self.write_latency_ms = latency_ms
            self.lag_ms = lag_ms

    def snapshot(self) -> dict[str, int | float]:
        with self._lock:
            return {**self.counters, FIELD_WRITE_LATENCY_MS: self.write_latency_ms, FIELD_LAG_MS: self.lag_ms}


def prometheus_text(snapshot: dict[str, int | float], gauges: dict[str, tuple[float, str]]) -> str:
    lines: list[str] = []
    for name, help_text in COUNTERS.items():
        metric = f"i5g_collector_{name}_total"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter", f"{metric} {snapshot[name]}"]
    all_gauges = {
        FIELD_WRITE_LATENCY_MS: (snapshot[FIELD_WRITE_LATENCY_MS], "duration of the last InfluxDB batch write"),
        FIELD_LAG_MS: (snapshot[FIELD_LAG_MS], "largest age of a sample in the last batch when it was stored"),
        **gauges,
    }
    for name, (value, help_text) in all_gauges.items():
        metric = f"i5g_collector_{name}"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} gauge", f"{metric} {float(value)}"]
    return "\n".join(lines) + "\n"


HealthFn = Callable[[], dict[str, object]]
MetricsFn = Callable[[], str]


class _Handler(BaseHTTPRequestHandler):
    server: MetricsServer  # type: ignore[assignment]

    def log_message(self, format: str, *args: object) -> None:
        return

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._reply(200, self.server.metrics_fn().encode(), "text/plain; version=0.0.4; charset=utf-8")
        elif path == "/healthz":
            health = self.server.health_fn()
            status = 200 if health.get("status") == "ok" else 503
            self._reply(status, json.dumps(health).encode(), "application/json")
        else:
            self._reply(404, b'{"detail":"not found"}', "application/json")


class MetricsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, metrics_fn: MetricsFn, health_fn: HealthFn) -> None:
        self.metrics_fn = metrics_fn
        self.health_fn = health_fn
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> MetricsServer:
        self._thread = threading.Thread(target=self.serve_forever, name="collector-metrics", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
