"""Two evaluator replicas on one registry database (SQLite and PostgreSQL): exactly one holds the lease and
evaluates, the other stays idle until the lease expires or is released, and simultaneous attempts never give
the lease to both."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from registry.alerts import lease
from registry.alerts.runner import Evaluator
from registry.db import make_engine, make_sessionmaker, session_scope
from registry.evidence.settings import EvidenceSettings
from tests.alerts.conftest import alert_settings
from tests.registry.conftest import database_url as database_url  # the fixtures: SQLite and PostgreSQL
from tests.registry.conftest import sqlite_url as sqlite_url
from tests.registry.conftest import template_databases as template_databases


def _replica(url: str, name: str, **settings: object) -> Evaluator:
    # Each replica has its own engine (its own connections), as two processes would.
    return Evaluator(make_sessionmaker(make_engine(url)), EvidenceSettings(), alert_settings(**settings), holder=name)


def test_one_replica_evaluates_the_other_takes_over_after_expiry(database_url: str) -> None:
    a, b = _replica(database_url, "a", lease_ttl_s=30), _replica(database_url, "b", lease_ttl_s=30)
    t = datetime.now(UTC)
    assert a.step(t) is not None and a.holding.is_set()
    assert b.step(t + timedelta(seconds=1)) is None and not b.holding.is_set()
    assert a.step(t + timedelta(seconds=29)) is not None  # renewed until t + 59 s
    assert b.step(t + timedelta(seconds=31)) is None
    assert b.step(t + timedelta(seconds=60)) is not None  # a stopped renewing: b takes over
    assert a.step(t + timedelta(seconds=61)) is None and not a.holding.is_set()
    assert (a.rounds, b.rounds) == (2, 1)


def test_simultaneous_attempts_never_both_win(database_url: str) -> None:
    replicas = [make_sessionmaker(make_engine(database_url)) for _ in range(3)]
    rounds = 15
    barrier = threading.Barrier(len(replicas))
    wins: list[list[str]] = [[] for _ in range(rounds)]
    errors: list[BaseException] = []

    def contend(index: int) -> None:
        try:
            for n in range(rounds):
                barrier.wait(timeout=20)
                with session_scope(replicas[index]) as session:
                    if lease.acquire(session, f"r{index}", 60, datetime.now(UTC), name=f"race-{n}"):
                        wins[n].append(f"r{index}")
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(replicas))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert all(len(winners) == 1 for winners in wins), wins


@pytest.mark.timeout(30)
def test_running_replicas_hand_over_on_shutdown(database_url: str) -> None:
    a = _replica(database_url, "a", interval_s=0.1, lease_ttl_s=30, dispatch_interval_s=0.1)
    b = _replica(database_url, "b", interval_s=0.1, lease_ttl_s=30, dispatch_interval_s=0.1)
    stop_a, stop_b = threading.Event(), threading.Event()
    run_a = threading.Thread(target=a.run, args=(stop_a,))
    run_a.start()
    _until(lambda: a.rounds >= 2)
    run_b = threading.Thread(target=b.run, args=(stop_b,))
    run_b.start()
    time.sleep(0.6)
    assert b.rounds == 0 and not b.holding.is_set()  # a holds the lease: b is idle
    stop_a.set()  # a clean shutdown releases the lease: b takes over at its next attempt, not after the TTL
    run_a.join(timeout=10)
    _until(lambda: b.rounds >= 2)
    stop_b.set()
    run_b.join(timeout=10)


def _until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_cli_once_takes_the_lease_and_keeps_it_for_its_ttl(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from i5g.cli import main

    database_url = sqlite_url
    monkeypatch.setenv("I5G_DATABASE_URL", database_url)
    monkeypatch.setenv("I5G_ALERTS_LEASE_TTL_S", "60")
    assert main(["alerts", "run", "--once"]) == 0
    assert "rules 0, open alerts 0, notifications attempted 0" in capsys.readouterr().out
    other = _replica(database_url, "someone-else")  # the command released nothing: --once keeps the lease's TTL
    assert other.step() is None
