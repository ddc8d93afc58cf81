"""KPI sources. `build_sources` turns the `sources` config into guarded sources that fail alone."""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from typing import Any

from edge_agent.sources.base import Reading, Source

log = logging.getLogger(__name__)

# config key -> "module:class"; modules are imported only when the source is enabled (memory).
# Order matters: when two sources give the same KPI, the later one wins, so simulated comes first and real
# measurements (probe RTT, modem radio values) override it.
SOURCE_CLASSES: dict[str, str] = {
    "simulated": "edge_agent.sources.simulated:SimulatedSource",
    "host": "edge_agent.sources.host:HostSource",
    "probe": "edge_agent.sources.probe:ProbeSource",
    "modem_mm": "edge_agent.sources.modem_mm:ModemManagerSource",
    "modem_quectel": "edge_agent.sources.modem_quectel:QuectelSource",
    "modem_fibocom": "edge_agent.sources.modem_fibocom:FibocomSource",
    "modem_huawei": "edge_agent.sources.modem_huawei:HuaweiSource",
    "modbus": "edge_agent.sources.modbus:ModbusSource",
    "opcua": "edge_agent.sources.opcua:OpcUaSource",
}

RETRY_BUILD_S = 30.0  # a source that could not start (no modem yet, port busy) is retried this often
MAX_PROBLEMS = 20  # per status message
MAX_PROBLEM_CHARS = 200
LOG_REPEAT_S = 300.0  # the same source's repeated failures are logged at most this often


class GuardedSource:
    """Builds its source lazily and turns every failure into an empty reading plus a (rate-limited) log line."""

    def __init__(self, name: str, factory: Callable[[], Source]) -> None:
        self.name = name
        self._factory = factory
        self._source: Source | None = None
        self._retry_at = 0.0
        self._last_log = -LOG_REPEAT_S
        self.failures = 0
        self.last_error: str | None = None

    def read(self) -> Reading:
        try:
            if self._source is None:
                if time.monotonic() < self._retry_at:
                    return Reading()
                self._source = self._factory()
            reading = self._source.read()
        except Exception as exc:
            self._failed(exc)
            return Reading()
        self.last_error = None
        return reading

    def _failed(self, exc: Exception) -> None:
        self.failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        if self._source is None:
            self._retry_at = time.monotonic() + RETRY_BUILD_S
        now = time.monotonic()
        if now - self._last_log >= LOG_REPEAT_S:
            self._last_log = now
            log.warning("source %s failed (%d so far): %s", self.name, self.failures, self.last_error)

    @property
    def problems(self) -> dict[str, str]:
        """Items of a running source that give no value, and why (e.g. an OPC UA node id the server refuses)."""
        return dict(getattr(self._source, "problems", None) or {})

    def close(self) -> None:
        if self._source is not None:
            try:
                self._source.close()
            except Exception:
                log.exception("closing source %s", self.name)


def source_class(name: str) -> type:
    module_name, _, class_name = SOURCE_CLASSES[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def build_sources(sources_config: dict[str, Any], gateway_id: str) -> list[GuardedSource]:
    guarded = []
    for name in SOURCE_CLASSES:
        section = sources_config.get(name)
        if not section or not section["enabled"]:  # a config written before a source existed lacks its table
            continue

        def factory(name: str = name, section: dict[str, Any] = section) -> Source:
            cls = source_class(name)
            return cls(section, gateway_id) if name == "simulated" else cls(section)

        guarded.append(GuardedSource(name, factory))
    return guarded


def problems(sources: list[GuardedSource]) -> dict[str, str]:
    """ "<source> <item>" -> reason, for the status message (bounded: it is for people, not a data channel)."""
    found = {f"{s.name} {item}"[:MAX_PROBLEM_CHARS]: reason[:MAX_PROBLEM_CHARS] for s in sources
             for item, reason in s.problems.items()}  # fmt: skip
    return dict(sorted(found.items())[:MAX_PROBLEMS])


def read_all(sources: list[GuardedSource]) -> Reading:
    reading = Reading()
    for source in sources:
        reading.merge(source.read())
    return reading
