"""Registry metadata for every sample: the gateway directory, cached, refreshed in the background.

The directory comes from `GET /api/v1/gateways/directory`. The last good copy is kept in memory and in a
file in the state dir, so the collector keeps enriching while the registry is down, even across a restart.
A gateway missing from the directory causes a forced refresh before its samples are dead-lettered as
unknown, so a gateway registered a moment ago works at once: at most one per unknown gateway every
`forced_refresh_min_s`, and never two within FORCED_REFRESH_GAP_S (or `forced_refresh_min_s` if that is
shorter: 0 refreshes on every miss). A gateway's first miss that comes sooner
waits for the gap instead of being dead-lettered: gateways registered together and connecting together, as
the local stack's fleet does seconds after the collector fetched its first directory, cost one refresh, not
their first samples. Later misses never wait, so gateways that stay unknown cannot stall the writer.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collector.periodic import Periodic
from i5g.contract import (
    KPI_TAGS,
    KPIS,
    TAG_CITY,
    TAG_ENTERPRISE,
    TAG_GATEWAY,
    TAG_INDUSTRY,
    TAG_SCENARIO,
    TAG_USE_CASE,
    is_sparkplug_id,
)

log = logging.getLogger("i5g.collector.enrich")

FORCED_REFRESH_GAP_S = 1.0  # the registry sees at most one forced directory fetch per this many seconds


@dataclass(frozen=True, slots=True)
class MetricMap:
    """A Sparkplug metric (of the node itself when the device is None) -> a KPI: kpi = value * scale + offset."""

    kpi: str
    scale: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True, slots=True)
class SparkplugNode:
    group: str
    node: str
    metrics: dict[tuple[str | None, str], MetricMap]  # (device id or None, metric name) -> KPI


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    id: str
    enabled: bool
    scenario: str | None
    tags: tuple[tuple[str, str], ...]  # (name, value) in KPI_TAGS order; empty values left out
    lat: float | None = None  # site coordinates for gateway_status (the dashboards' geomap)
    lon: float | None = None
    sparkplug: SparkplugNode | None = None  # the Sparkplug B edge node this gateway is declared to be


def _sparkplug(entry: dict[str, Any]) -> SparkplugNode | None:
    """The entry's Sparkplug declaration (registry/sparkplug/schemas.py); ValueError when it is malformed."""
    declared = entry.get("sparkplug")
    if declared is None:
        return None
    if not isinstance(declared, dict):
        raise ValueError("sparkplug must be an object")
    group, node = declared.get("group_id"), declared.get("edge_node_id")
    if not is_sparkplug_id(group) or not is_sparkplug_id(node):
        raise ValueError(f"bad sparkplug ids {group!r}/{node!r}")
    metrics: dict[tuple[str | None, str], MetricMap] = {}
    for item in declared.get("metrics") or []:
        device, metric, kpi = item.get("device_id"), item.get("metric"), item.get("kpi")
        if not isinstance(metric, str) or kpi not in KPIS or (device is not None and not is_sparkplug_id(device)):
            raise ValueError(f"bad sparkplug metric mapping {item!r:.100}")
        metrics[(device, metric)] = MetricMap(kpi, float(item.get("scale", 1.0)), float(item.get("offset", 0.0)))
    return SparkplugNode(group, node, metrics)


def save_json(path: Path, document: Any, what: str) -> None:
    """Write-then-rename, so a crash never leaves half a file that a restart would have to ignore. A failure
    is logged, not raised: the state file is a help after a restart, not a reason to stop."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot persist %s to %s: %s", what, path, exc)


def _tag_value(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _coordinate(entry: dict[str, Any], key: str, limit: float) -> float | None:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not -limit <= value <= limit:
        return None
    return float(value)


def gateway_info(entry: dict[str, Any]) -> GatewayInfo:
    """One directory entry -> GatewayInfo; ValueError when it has no usable id."""
    gateway_id = entry.get("id")
    if not isinstance(gateway_id, str) or not gateway_id:
        raise ValueError(f"directory entry without an id: {entry!r:.100}")
    values = {
        TAG_GATEWAY: gateway_id,
        TAG_USE_CASE: _tag_value(entry.get("use_case_id")),  # the id, as the contract says; names can change
        TAG_SCENARIO: _tag_value(entry.get("scenario")),
        TAG_ENTERPRISE: _tag_value(entry.get("enterprise")),
        TAG_CITY: _tag_value(entry.get("city")),
        TAG_INDUSTRY: _tag_value(entry.get("industry")),
    }
    tags = tuple((name, values[name]) for name in KPI_TAGS if values[name])
    return GatewayInfo(
        gateway_id,
        bool(entry.get("enabled", True)),
        values[TAG_SCENARIO] or None,
        tags,
        _coordinate(entry, "latitude", 90),  # the registry directory's names (registry/gateways/schemas.py)
        _coordinate(entry, "longitude", 180),
        _sparkplug(entry),
    )


def parse_directory(document: Any) -> dict[str, GatewayInfo]:
    if not isinstance(document, dict) or not isinstance(document.get("gateways"), list):
        raise ValueError("directory must be an object with a 'gateways' array")
    infos = (gateway_info(entry) for entry in document["gateways"] if isinstance(entry, dict))
    return {info.id: info for info in infos}


class GatewayDirectory:
    """Thread-safe cache of the registry's gateway directory."""

    def __init__(
        self,
        fetch: Callable[[], Any],
        cache_path: Path,
        *,
        refresh_s: float,
        forced_refresh_min_s: float,
    ) -> None:
        self._fetch = fetch
        self._cache_path = cache_path
        self._refresh_s = refresh_s
        self._forced_min_s = forced_refresh_min_s
        self._gateways: dict[str, GatewayInfo] | None = None
        self._sparkplug: dict[tuple[str, str], str] = {}  # (group id, edge node id) -> gateway id
        self._refresh_lock = threading.Lock()
        self._last_attempt = float("-inf")
        self._missed: dict[str, float] = {}  # unknown gateway -> when its forced refresh ran (monotonic)
        self._refresher = Periodic("directory-refresh", self.refresh, self._refresh_interval)
        self.last_success: float | None = None  # time.time() of the last successful fetch
        self.last_error: str | None = None

    @property
    def ready(self) -> bool:
        """A directory is loaded (from the registry or the cache file); without one nothing can be tagged."""
        return self._gateways is not None

    def __len__(self) -> int:
        return len(self._gateways or {})

    def _install(self, gateways: dict[str, GatewayInfo]) -> None:
        self._sparkplug = {(i.sparkplug.group, i.sparkplug.node): i.id for i in gateways.values() if i.sparkplug}
        self._gateways = gateways

    def load_cache_file(self) -> bool:
        try:
            self._install(parse_directory(json.loads(self._cache_path.read_text("utf-8"))))
        except FileNotFoundError:
            return False
        except (OSError, ValueError) as exc:
            log.warning("ignoring directory cache %s: %s", self._cache_path, exc)
            return False
        log.info("loaded %d gateways from directory cache %s", len(self._gateways), self._cache_path)
        return True

    def refresh(self) -> bool:
        """Fetch the directory now; on failure keep what we have. True when it was fetched."""
        with self._refresh_lock:
            self._last_attempt = time.monotonic()
            try:
                document = self._fetch()
                gateways = parse_directory(document)
            except Exception as exc:  # registry down, bad token, bad body: keep serving the last copy
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("registry directory refresh failed (%s); serving the cached copy", self.last_error)
                return False
            self._install(gateways)
            self.last_success = time.time()
            self.last_error = None
            self._persist(document)
            return True

    def _persist(self, document: Any) -> None:
        save_json(self._cache_path, document, "the directory cache")

    def _known(self, gateway_id: str) -> GatewayInfo | None:
        return (self._gateways or {}).get(gateway_id)

    def _known_node(self, node_key: str) -> GatewayInfo | None:
        group, _, node = node_key.partition("/")
        gateway_id = self._sparkplug.get((group, node))
        return self._known(gateway_id) if gateway_id is not None else None

    def lookup_sparkplug(self, group: str, node: str) -> GatewayInfo | None:
        """The gateway declared as this Sparkplug edge node; a miss forces a refresh as `lookup` does."""
        return self.lookup(f"{group}/{node}", self._known_node)  # "/" never occurs in a gateway id or a Sparkplug id

    def lookup(self, gateway_id: str, known: Callable[[str], GatewayInfo | None] | None = None) -> GatewayInfo | None:
        """The gateway's info; for a gateway not in the directory, one forced refresh (see the module doc)."""
        known = known or self._known
        info = known(gateway_id)
        if info is not None:
            return info
        now = time.monotonic()
        missed_at = self._missed.get(gateway_id)
        if missed_at is not None and now - missed_at < self._forced_min_s:
            return None  # refreshed for this gateway a moment ago: still unknown
        wait = self._last_attempt + min(FORCED_REFRESH_GAP_S, self._forced_min_s) - now
        if wait > 0:
            if missed_at is not None:
                return None  # waiting is for a gateway's first appearance only, so unknown ones cannot stall us
            time.sleep(wait)
        info = known(gateway_id)  # a refresh may have run meanwhile (the periodic one)
        if info is None and self.refresh():
            info = known(gateway_id)
        if info is None:
            if len(self._missed) > 10_000:  # bounded memory, whatever publishes
                self._missed.clear()
            self._missed[gateway_id] = time.monotonic()
        else:
            self._missed.pop(gateway_id, None)
        return info

    def start(self) -> None:
        self._refresher.start(immediately=True)

    def stop(self) -> None:
        self._refresher.stop(timeout=5)

    def _refresh_interval(self) -> float:
        # Until a first directory exists retry quickly: the collector holds (does not ack) telemetry till then.
        return self._refresh_s if self.ready else min(self._refresh_s, 1.0)
