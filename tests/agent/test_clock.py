"""A gateway without a real-time clock: samples are held on monotonic time until the clock is trusted, then
restamped (edge_agent/clock.py). A faked clock status drives it: a real agent process with the `file` mode
(its marker file is created by the test) and the injectable `synchronised` function for the modes."""

from __future__ import annotations

import sqlite3
import time
from itertools import pairwise
from pathlib import Path

import pytest

from devstack.mosquitto import MosquittoServer
from edge_agent.clock import RELEASE_FLOOR_MS, StampingClock, synchronised_check
from edge_agent.spool import Spool
from tests.agent.conftest import write_config

EPOCH_1970_MS = 5_000  # what a Pi without RTC reads after a power cut, before NTP answers
NOW_MS = RELEASE_FLOOR_MS + 86_400_000


@pytest.mark.parametrize(
    ("mode", "synchronised", "wall_ms", "trusted"),
    [
        ("auto", False, EPOCH_1970_MS, False),  # the 1970 clock is never used
        ("auto", False, NOW_MS, True),  # kernel silent (container), clock plausible
        ("auto", True, EPOCH_1970_MS, True),  # synchronised wins (the wall clock has just been set)
        ("kernel", False, NOW_MS, False),  # a plausible but unsynchronised clock is not enough
        ("kernel", True, NOW_MS, True),
        ("trust", False, EPOCH_1970_MS, True),
    ],
)
def test_modes(mode: str, synchronised: bool, wall_ms: int, trusted: bool) -> None:
    assert StampingClock(mode, lambda: synchronised).trusted(wall_ms) is trusted


def test_synchronised_once_stays_trusted_through_an_ntp_outage() -> None:
    answers = iter([True, False, False])
    clock = StampingClock("kernel", lambda: next(answers))
    assert [clock.trusted(NOW_MS) for _ in range(3)] == [True, True, True]


def test_file_mode_follows_the_marker(tmp_path: Path) -> None:
    marker = tmp_path / "synchronized"
    check = synchronised_check("file", marker)
    assert check() is False
    marker.touch()
    assert check() is True


def test_held_samples_are_restamped_in_order_and_other_boots_dropped(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite")
    spool.hold("old-boot", 1_000, {"rtt_ms": 1.0})
    spool.hold("this-boot", 20_000, {"rtt_ms": 2.0})
    spool.hold("this-boot", 21_000, {"rtt_ms": 3.0}, {"rat": "LTE"})
    spool.close()
    spool = Spool(tmp_path / "spool.sqlite")  # a restart in the same boot keeps them
    assert spool.held == 3
    assert spool.stamp_held("this-boot", NOW_MS) == (2, 1)
    rows = spool.read_after(-1, 10)
    assert [(r.seq, r.ts) for r in rows] == [(0, NOW_MS + 20_000), (1, NOW_MS + 21_000)]
    assert '"ctx":{"rat":"LTE"}' in rows[1].body
    assert spool.held == 0 and spool.dropped == 1
    spool.append(NOW_MS + 22_000, {"rtt_ms": 4.0})  # samples after the sync follow them
    assert [r.seq for r in spool.read_after(-1, 10)] == [0, 1, 2]
    spool.delete([0, 1, 2])
    spool.close()
    assert Spool(tmp_path / "spool.sqlite").last_ts == NOW_MS + 22_000  # the floor survives an empty spool


def held_count(state_dir: Path) -> int:
    path = state_dir / "spool.sqlite"
    if not path.exists():
        return 0
    with sqlite3.connect(path, timeout=5) as db:
        try:
            return int(db.execute("SELECT count(*) FROM held").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_agent_process_holds_until_synchronised_then_restamps(
    mosquitto: MosquittoServer, tmp_path: Path, agent_processes, subscribers
) -> None:
    gw = "gw-clock-01"
    marker = tmp_path / "synchronized"
    sub = subscribers(mosquitto.port)
    state = tmp_path / "state"
    config = write_config(
        tmp_path / "agent.toml", gw, mosquitto.port, state, clock_sync="file", clock_synced_file=str(marker)
    )
    started_wall = int(time.time() * 1000)
    agent = agent_processes(config, tmp_path / "agent.log")
    deadline = time.monotonic() + 20
    while held_count(state) < 10:
        assert time.monotonic() < deadline, agent.log()
        time.sleep(0.05)
    assert sub.seqs(gw) == []  # nothing published with an untrusted clock
    marker.touch()
    synced_wall = int(time.time() * 1000)
    sub.wait_for(lambda: len(sub.seqs(gw)) >= 15, what="held and new samples")
    samples = [s for payload in sub.telemetry(gw) for s in payload["samples"]]
    first = {s["seq"]: s["ts"] for s in samples}
    seqs = sorted(first)
    assert seqs[:15] == list(range(15))
    stamps = [first[s] for s in seqs]
    assert stamps == sorted(stamps)
    # The held ones were taken between the start and the sync: restamped into that window (monotonic time
    # mapped onto the wall clock), 50 ms apart like the interval, not at the moment they were published.
    assert started_wall - 50 <= stamps[0] <= synced_wall
    assert stamps[9] <= synced_wall + 100
    gaps = [b - a for a, b in pairwise(stamps[:10])]
    assert all(gap > 0 for gap in gaps) and 30 <= sorted(gaps)[len(gaps) // 2] <= 120, gaps  # median ~ interval
    assert "holding samples on monotonic time" in agent.log()
    assert "held samples restamped" in agent.log()
