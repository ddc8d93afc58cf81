"""When a dead letter first arrived, so it is recorded where operators look and counted once.

A dead letter is stamped with its arrival time: a sample stamped 1970 by a gateway without a real-time clock
(the usual reason for `ts_too_old`) must show up in the time range when it arrived, not 56 years ago. Arrival
time alone would record a redelivered message (QoS 1 after a collector crash, before its PUBACK) a second
time, at its new arrival. So the ledger keys each dead letter by a hash of the message and the rejection
(topic, payload, reason, the rejected sample's ts) and keeps the time of its first arrival: a redelivery gets
the same timestamp, hence the same InfluxDB point, which it overwrites. Timestamps handed out are unique (one
millisecond apart at least), so two different dead letters of the same series never overwrite each other.

The ledger is a small SQLite file in the collector's state directory, so it survives a restart - the case
where redeliveries happen. Entries older than `retention_ms` are pruned (a redelivery comes within the
broker's session expiry, far less). Two replicas keep separate ledgers: a message redelivered to the other
replica of a shared subscription is recorded again (at least once), as before.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

RETENTION_MS = 7 * 24 * 3600 * 1000


def dead_letter_key(topic: str, payload: bytes, reason: str, sample_ts: int | None) -> str:
    digest = hashlib.sha256()
    for part in (topic.encode(), payload, reason.encode(), str(sample_ts).encode()):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: no two part lists hash alike
        digest.update(part)
    return digest.hexdigest()[:24]


class ArrivalLedger:
    def __init__(self, path: Path | str, retention_ms: int = RETENTION_MS) -> None:
        self.path = path
        self.retention_ms = retention_ms
        self._db: sqlite3.Connection | None = None  # opened on first use: the state dir is made at start
        self._last_ms = 0
        self._lock = threading.Lock()
        self._next_prune_ms = 0

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS arrivals (key TEXT PRIMARY KEY, ts INTEGER NOT NULL)")
            newest = self._db.execute("SELECT max(ts) FROM arrivals").fetchone()[0]
            self._last_ms = max(self._last_ms, newest or 0)
        return self._db

    def first_arrival(self, key: str, received_ms: int) -> int:
        """The timestamp of this dead letter: its first arrival's, or `received_ms` made unique if it is new."""
        with self._lock:
            db = self._open()
            row = db.execute("SELECT ts FROM arrivals WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return int(row[0])
            ts = max(received_ms, self._last_ms + 1)
            self._last_ms = ts
            db.execute("INSERT INTO arrivals (key, ts) VALUES (?, ?)", (key, ts))
            if ts >= self._next_prune_ms:
                self._next_prune_ms = ts + 3600_000
                db.execute("DELETE FROM arrivals WHERE ts < ?", (ts - self.retention_ms,))
            return ts

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
