"""The spool on its own: seq across restarts, bounds, acknowledged deletes, dropped-count bookkeeping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge_agent.spool import Spool


def test_seq_is_strictly_increasing_across_reopen_even_when_empty(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite")
    seqs = [spool.append(1000 + i, {"rtt_ms": 1.0}) for i in range(3)]
    spool.delete(seqs)
    spool.close()
    reopened = Spool(tmp_path / "s.sqlite")
    assert len(reopened) == 0
    assert reopened.append(2000, {"rtt_ms": 2.0}) == 3


def test_read_after_returns_oldest_first_in_batches(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite")
    for i in range(10):
        spool.append(1000 + i, {"rtt_ms": float(i)}, {"rat": "NR5G-SA"})
    batch = spool.read_after(-1, 4)
    assert [item.seq for item in batch] == [0, 1, 2, 3]
    assert json.loads(batch[0].body) == {"ts": 1000, "seq": 0, "kpis": {"rtt_ms": 0.0}, "ctx": {"rat": "NR5G-SA"}}
    assert [item.seq for item in spool.read_after(3, 100)] == list(range(4, 10))


def test_size_bound_drops_oldest_and_counts_them(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite", max_samples=5)
    for i in range(12):
        spool.append(1000 + i, {"rtt_ms": float(i)})
    assert len(spool) == 5
    assert [item.seq for item in spool.read_after(-1, 100)] == [7, 8, 9, 10, 11]
    assert spool.dropped == 7
    spool.mark_dropped_reported(4)
    assert spool.dropped == 3
    spool.close()
    assert Spool(tmp_path / "s.sqlite", max_samples=5).dropped == 3  # survives a restart until reported


def test_age_bound_drops_samples_older_than_max_age(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite", max_age_s=10)
    spool.append(1_000, {"rtt_ms": 1.0})
    spool.append(5_000, {"rtt_ms": 1.0})
    spool.append(12_000, {"rtt_ms": 1.0})  # now = 12 s: the sample at 1 s is 11 s old
    assert [item.seq for item in spool.read_after(-1, 10)] == [1, 2]
    assert spool.dropped == 1


def test_delete_of_acknowledged_samples_tolerates_dropped_ones(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite", max_samples=3)
    for i in range(5):
        spool.append(1000 + i, {"rtt_ms": 1.0})
    spool.delete([0, 1, 2, 3])  # 0 and 1 were dropped already
    assert [item.seq for item in spool.read_after(-1, 10)] == [4]
    assert len(spool) == 1
    spool.delete([4, 9])
    assert len(spool) == 0


def test_wal_mode_and_synchronous_setting(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite", synchronous="FULL")
    assert spool._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert spool._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with pytest.raises(ValueError, match="synchronous"):
        Spool(tmp_path / "t.sqlite", synchronous="EXTRA")


def test_samples_in_flight_are_not_counted_as_dropped(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite", max_samples=3)
    for i in range(3):
        spool.append(1000 + i, {"rtt_ms": 1.0})
    spool.in_flight_upto = 1  # seqs 0 and 1 were published, PUBACK pending
    spool.append(1003, {"rtt_ms": 1.0})  # pushes seq 0 out: it is on its way, not lost
    spool.append(1004, {"rtt_ms": 1.0})
    spool.append(1005, {"rtt_ms": 1.0})  # pushes seq 2 out: never sent, lost
    assert [item.seq for item in spool.read_after(-1, 10)] == [3, 4, 5]
    assert spool.dropped == 1
