"""`i5g alerts run`: the long-running evaluator. Every interval_s it takes or renews the lease (lease.py); the
holder runs one evaluation round in one transaction, the others wait. A dispatcher thread sends the outbox
while this replica holds the lease, so a slow channel never delays evaluation. SIGTERM releases the lease."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from registry.alerts import delivery, lease
from registry.alerts.evaluate import RoundResult, run_round
from registry.alerts.settings import AlertSettings
from registry.db import session_scope
from registry.evidence.errors import TelemetryUnavailable
from registry.evidence.settings import EvidenceSettings

log = logging.getLogger("i5g.alerts")


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Evaluator:
    factory: sessionmaker[Session]
    evidence: EvidenceSettings
    settings: AlertSettings
    holder: str = field(default_factory=default_holder)
    holding: threading.Event = field(default_factory=threading.Event)
    rounds: int = 0
    last_error: str | None = None

    def step(self, now: datetime | None = None) -> RoundResult | None:
        """Take or renew the lease and, when held, evaluate once. None when another replica holds the lease."""
        now = now or datetime.now(UTC)
        with session_scope(self.factory) as session:
            held = lease.acquire(session, self.holder, self.settings.lease_ttl_s, now)
        if not held:
            if self.holding.is_set():
                log.info("lease lost to another replica; idle")
            self.holding.clear()
            return None
        if not self.holding.is_set():
            log.info("holding the evaluator lease as %s", self.holder)
        self.holding.set()
        try:
            result = run_round(self.factory, self.evidence, self.settings, now)
        except TelemetryUnavailable as exc:
            self.last_error = str(exc)
            log.warning("round skipped, nothing changed: %s", exc)
            return RoundResult()
        self.rounds += 1
        self.last_error = None
        return result

    def run(self, stop: threading.Event) -> None:
        dispatcher = threading.Thread(target=self._dispatch_loop, args=(stop,), name="alerts-dispatch", daemon=True)
        dispatcher.start()
        try:
            while not stop.is_set():
                try:
                    self.step()
                except Exception:  # a database hiccup must not end the service; the next round retries
                    log.exception("evaluation round failed")
                stop.wait(self.settings.interval_s)
        finally:
            dispatcher.join(timeout=self.settings.send_timeout_s + 5)
            if self.holding.is_set():
                with session_scope(self.factory) as session:
                    lease.release(session, self.holder)

    def _dispatch_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if self.holding.is_set():
                try:
                    delivery.dispatch(self.factory, self.settings)
                except Exception:
                    log.exception("dispatch failed")
            stop.wait(self.settings.dispatch_interval_s)
