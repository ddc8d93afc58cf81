"""Store-and-forward spool: every sample is committed here before it is published, and deleted only when the
broker's PUBACK for the message that carried it arrives.

SQLite in WAL mode, one file per gateway. `seq` is the table's INTEGER PRIMARY KEY, so the spool order is the
seq order; the newest row (or `meta.next_seq`, written when a delete empties the table) keeps seq strictly
increasing across restarts, and
`meta.dropped` keeps the count of samples dropped (spool full or too old) until a status message reports it.
`held` keeps samples taken while the wall clock was not trusted (edge_agent/clock.py), with the boot id and
the monotonic time; `stamp_held` gives them a ts and a seq once it is (never published before).

synchronous=FULL (default): each commit is fsynced before `append` returns. With NORMAL, WAL commits since
the last checkpoint may be lost on power loss, taking `next_seq` back with them; a sample that had been
published would then have its seq reused by a different sample. At 1 Hz that is one fsync per second for the
insert and one per PUBACK: negligible even on an SD card. The simulator (many gateways, throw-away data)
uses OFF: with a thousand spools, even NORMAL's fsyncs at WAL checkpoints stall its single thread. No mode
loses anything on kill -9 (the OS keeps what was written); they differ on power loss only.

Standard library only (the agent runtime's memory budget).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from i5g.contract import Sample, decode_sample, encode_sample

_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 0), ('dropped', 0), ('last_ts', 0);
CREATE TABLE IF NOT EXISTS held (
    id INTEGER PRIMARY KEY, boot TEXT NOT NULL, mono_ms INTEGER NOT NULL, body TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class SpooledSample:
    """A sample kept on disk until the broker acknowledged it."""

    seq: int
    ts: int
    body: str  # the sample's JSON object (ts, seq, kpis, ctx) as it goes into the payload


class Spool:
    def __init__(
        self,
        path: Path,
        *,
        max_samples: int = 500_000,
        max_age_s: float = 7 * 24 * 3600,
        synchronous: str = "FULL",
        cache_kib: int = 256,
    ) -> None:
        if synchronous not in ("FULL", "NORMAL", "OFF"):
            raise ValueError(f"synchronous must be FULL, NORMAL or OFF, not {synchronous!r}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_samples = max_samples
        self.max_age_ms = int(max_age_s * 1000)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so each operation is exactly one transaction.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        # Page cache per connection: small, since the spool is written at the tail and read at the head, and
        # RSS is the gateway's budget (the simulator, with one connection per gateway, uses even less).
        self._db.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        self._db.executescript(_SCHEMA)
        # next_seq: one past the newest sample, or the persisted value when the spool has been emptied.
        newest = self._db.execute("SELECT max(seq) FROM samples").fetchone()[0]
        self._next_seq = max(self._meta("next_seq"), -1 if newest is None else newest + 1)
        self._dropped = self._meta("dropped")
        self.in_flight_upto = -1  # set by the publisher: highest seq handed to the broker in this process
        self._count = int(self._db.execute("SELECT count(*) FROM samples").fetchone()[0])
        self.held = int(self._db.execute("SELECT count(*) FROM held").fetchone()[0])
        newest_ts = self._db.execute("SELECT max(ts) FROM samples").fetchone()[0]
        self._last_ts = max(self._meta("last_ts"), newest_ts or 0)
        self._next_age_check_ms = 0

    def _meta(self, key: str) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    @property
    def next_seq(self) -> int:
        return self._next_seq

    def __len__(self) -> int:
        return self._count

    @property
    def last_ts(self) -> int:
        """The newest sample ts this spool has stamped (kept when the table empties): no clock is behind it."""
        return self._last_ts

    def hold(self, boot: str, mono_ms: int, kpis: dict[str, float], ctx: dict[str, str] | None = None) -> None:
        """Keep a sample taken while the wall clock is not trusted (no ts, no seq yet). Bounded by max_samples:
        beyond it the oldest held sample is dropped."""
        body = encode_sample(Sample(0, 0, kpis, ctx or {}))  # ts and seq are given when the clock is trusted
        with self._transaction():
            self._db.execute("INSERT INTO held (boot, mono_ms, body) VALUES (?, ?, ?)", (boot, mono_ms, body))
            self.held += 1
            if self.held > self.max_samples:
                self._db.execute("DELETE FROM held WHERE id = (SELECT min(id) FROM held)")
                self._db.execute("UPDATE meta SET value = value + 1 WHERE key = 'dropped'")
                self.held -= 1
                self._dropped += 1

    def stamp_held(self, boot: str, offset_ms: int) -> tuple[int, int]:
        """Give held samples of `boot` ts = mono_ms + offset_ms and seqs, in the order they were taken; drop
        those of other boots (their monotonic time cannot be placed). Returns (stamped, dropped)."""
        if not self.held:
            return 0, 0
        stamped = dropped = 0
        with self._transaction():
            rows = self._db.execute("SELECT boot, mono_ms, body FROM held ORDER BY id").fetchall()
            for row_boot, mono_ms, body in rows:
                if row_boot != boot:
                    dropped += 1
                    continue
                sample = decode_sample(body)
                self._insert(mono_ms + offset_ms, sample.kpis, sample.ctx or None)
                stamped += 1
            self._db.execute("DELETE FROM held")
            if dropped:
                self._db.execute("UPDATE meta SET value = value + ? WHERE key = 'dropped'", (dropped,))
                self._dropped += dropped
        self.held = 0
        return stamped, dropped

    def _insert(self, ts: int, kpis: dict[str, float], ctx: dict[str, str] | None) -> int:
        seq = self._next_seq
        body = encode_sample(Sample(ts, seq, kpis, ctx or {}))
        self._db.execute("INSERT INTO samples (seq, ts, body) VALUES (?, ?, ?)", (seq, ts, body))
        self._next_seq, self._count = seq + 1, self._count + 1
        self._last_ts = max(self._last_ts, ts)
        return seq

    def append(self, ts: int, kpis: dict[str, float], ctx: dict[str, str] | None = None) -> int:
        """Commit one sample (durable when this returns) and return its seq. Enforces the bounds.

        The common case is one INSERT in autocommit mode; the newest row carries next_seq (see __init__),
        so meta.next_seq is only written when a delete empties the table."""
        if self._count + 1 > self.max_samples or ts >= self._next_age_check_ms:
            with self._transaction():  # insert and drop atomically: the bound holds even across kill -9
                seq = self._insert(ts, kpis, ctx)
                self._enforce_bounds(ts)
        else:
            seq = self._insert(ts, kpis, ctx)
        return seq

    def _enforce_bounds(self, now_ms: int) -> None:
        """Drop the oldest samples beyond max_samples and those older than max_age (inside a transaction).

        Only samples never handed to the broker count as dropped: one still in flight (seq <= in_flight_upto)
        arrives anyway, from paho's in-memory resend queue, unless the process dies before its PUBACK."""
        # The age bound is checked at most every 1/100 of max_age (and at least every minute).
        self._next_age_check_ms = now_ms + min(60_000, self.max_age_ms // 100)
        conditions = ["ts < ?"]
        params: list[int] = [now_ms - self.max_age_ms]
        excess = self._count - self.max_samples
        if excess > 0:
            cutoff = self._db.execute("SELECT seq FROM samples ORDER BY seq LIMIT 1 OFFSET ?", (excess - 1,)).fetchone()
            conditions.append("seq <= ?")
            params.append(cutoff[0])
        where = " OR ".join(conditions)
        unsent = self._db.execute(
            f"SELECT count(*) FROM samples WHERE ({where}) AND seq > ?", (*params, self.in_flight_upto)
        ).fetchone()[0]
        self._removed(self._db.execute(f"DELETE FROM samples WHERE {where}", params).rowcount)
        if unsent:
            self._db.execute("UPDATE meta SET value = value + ? WHERE key = 'dropped'", (unsent,))
            self._dropped += unsent

    def _removed(self, count: int) -> None:
        """Bookkeeping after a DELETE (inside its transaction): an empty table must not forget next_seq."""
        self._count -= count
        if self._count <= 0:
            self._count = 0
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'next_seq'", (self._next_seq,))
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'last_ts'", (self._last_ts,))

    def read_after(self, after_seq: int, limit: int) -> list[SpooledSample]:
        """The oldest `limit` samples with seq > after_seq, in seq order."""
        rows = self._db.execute(
            "SELECT seq, ts, body FROM samples WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
        ).fetchall()
        return [SpooledSample(*row) for row in rows]

    def delete(self, seqs: list[int]) -> None:
        """Acknowledged by the broker: remove (missing seqs, e.g. dropped meanwhile, are ignored)."""
        if not seqs:
            return
        with self._transaction():
            # Batches are contiguous ranges in practice; a range delete keeps this one statement.
            if seqs == list(range(seqs[0], seqs[-1] + 1)):
                removed = self._db.execute(
                    "DELETE FROM samples WHERE seq BETWEEN ? AND ?", (seqs[0], seqs[-1])
                ).rowcount
            else:
                removed = self._db.executemany("DELETE FROM samples WHERE seq = ?", [(s,) for s in seqs]).rowcount
            self._removed(removed)

    @property
    def dropped(self) -> int:
        """Samples dropped and not yet reported in a status message."""
        return self._dropped

    def mark_dropped_reported(self, count: int) -> None:
        with self._transaction():
            self._db.execute("UPDATE meta SET value = max(0, value - ?) WHERE key = 'dropped'", (count,))
        self._dropped = max(0, self._dropped - count)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def close(self) -> None:
        self._db.close()


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def now_ms() -> int:
    return int(time.time() * 1000)
