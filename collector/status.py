"""Gateway online/offline and last-seen, pushed back to the registry in batches.

The pipeline reports what it learns (a telemetry message means online; status messages carry birth and
last will); a background thread POSTs the changed gateways every few seconds. While the registry is down
the changes wait and merge with newer ones: the registry only ever needs the latest state per gateway.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from collector.periodic import Periodic

log = logging.getLogger("i5g.collector.status")

STATUS_CHUNK = 1000  # entries per POST (the registry accepts up to 10 000)


@dataclass(frozen=True, slots=True)
class GatewayState:
    online: bool
    last_seen_ms: int


def iso8601(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_retryable(exc: Exception) -> bool:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    # A 4xx other than throttling means the registry refuses these entries: resending cannot help.
    return status is None or status >= 500 or status in (401, 403, 408, 429)


Rejected = tuple[int | None, str] | None  # the last remote configuration the agent refused: (version, reason)


def _entry(gateway: str, state: GatewayState, config: tuple[int | None, Rejected] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": gateway, "online": state.online}
    entry["last_seen"] = iso8601(state.last_seen_ms) if state.last_seen_ms else None
    if config is not None:
        applied, rejected = config
        entry["applied_version"] = applied
        entry["config_rejected"] = {"version": rejected[0], "reason": rejected[1]} if rejected else None
    return entry


class StatusReporter:
    def __init__(self, post: Callable[[list[dict[str, Any]]], None], interval_s: float) -> None:
        self._post = post
        self._states: dict[str, GatewayState] = {}
        self._config: dict[str, tuple[int | None, Rejected]] = {}
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._pusher = Periodic("status-push", self.push, lambda: interval_s)
        self.last_error: str | None = None

    def _update(self, gateway: str, online: bool, seen_ms: int | None) -> None:
        with self._lock:
            previous = self._states.get(gateway)
            last_seen = max(previous.last_seen_ms if previous else 0, seen_ms or 0)
            state = GatewayState(online, last_seen)
            if state != previous:
                self._states[gateway] = state
                self._pending.add(gateway)

    def config_reported(
        self, gateway: str, applied_version: int | None, rejected: tuple[int | None, str] | None
    ) -> None:
        """What the agent's status says about its remote configuration (sent with the next push if it changed)."""
        if applied_version is None and rejected is None:
            return
        with self._lock:
            if self._config.get(gateway) != (applied_version, rejected):
                self._config[gateway] = (applied_version, rejected)
                if gateway in self._states:
                    self._pending.add(gateway)

    def telemetry_seen(self, gateway: str, received_ms: int) -> None:
        self._update(gateway, True, received_ms)

    def status_received(self, gateway: str, online: bool, ts_ms: int | None) -> None:
        # A last will carries no fresh sighting: it must not move last_seen forward.
        self._update(gateway, online, ts_ms if online else None)

    def state(self, gateway: str) -> GatewayState | None:
        with self._lock:
            return self._states.get(gateway)

    def push(self) -> bool:
        """POST the pending changes; True when there was nothing to do or the registry took them."""
        with self._lock:
            gateways, self._pending = self._pending, set()
            batch = [(gw, self._states[gw], self._config.get(gw)) for gw in sorted(gateways)]
        if not batch:
            return True
        body = [_entry(gw, s, config) for gw, s, config in batch]
        for first in range(0, len(body), STATUS_CHUNK):
            try:
                self._post(body[first : first + STATUS_CHUNK])
            except Exception as exc:
                self._failed(exc, {entry["id"] for entry in body[first:]})
                return False
        self.last_error = None
        return True

    def _failed(self, exc: Exception, gateways: set[str]) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if _is_retryable(exc):
            log.warning("status push to the registry failed (%s); will retry", self.last_error)
            with self._lock:
                self._pending |= gateways
        else:
            log.error("registry refused %d gateway statuses: %s", len(gateways), self.last_error)

    def start(self) -> None:
        self._pusher.start(immediately=False)

    def stop(self) -> None:
        self._pusher.stop(timeout=10)
        self.push()
