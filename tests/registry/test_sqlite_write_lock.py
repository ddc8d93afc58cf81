"""The SQLite interleaving behind issue 18's "database is locked" 500s, replayed step by step with two real
units of work on one database file.

A request reads, another request writes and commits, then the first one writes. With SQLite's default deferred
transaction the first request's snapshot is stale and its write fails at once (SQLITE_BUSY_SNAPSHOT), whatever
the busy timeout. A unit of work that may write now begins with the write lock (BEGIN IMMEDIATE), so the
second writer waits for it instead, and both succeed."""

from __future__ import annotations

import threading

from sqlalchemy import func, select, text

from registry.db import make_engine, make_sessionmaker, transaction
from registry.scenarios.models import Scenario


def test_read_then_write_survives_a_concurrent_writer(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    factory = make_sessionmaker(engine)
    first_has_read = threading.Event()
    errors: list[BaseException] = []

    def second_writer() -> None:
        first_has_read.wait(5)
        try:
            for session in transaction(factory):
                session.execute(text("UPDATE scenarios SET name_en = name_en || ' (2)'"))
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    other = threading.Thread(target=second_writer)
    other.start()
    try:
        for session in transaction(factory):
            count = session.scalar(select(func.count()).select_from(Scenario))
            first_has_read.set()
            other.join(0.5)  # deferred: the other writer commits now; immediate: it waits for us
            session.execute(text("UPDATE scenarios SET name_en = name_en || ' (1)'"))
        other.join(10)
        assert errors == []
        with engine.connect() as connection:
            names = connection.scalars(text("SELECT name_en FROM scenarios")).all()
        assert count and len(names) == count
        assert all(name.endswith(" (1) (2)") for name in names), names  # both writes, in lock order
    finally:
        other.join(10)
        engine.dispose()


def test_readers_do_not_take_the_write_lock(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    factory = make_sessionmaker(engine)
    try:
        for reader in transaction(factory, writes=False):
            reader.scalar(select(func.count()).select_from(Scenario))
            # A writer (in this same thread: it would deadlock if the reader held the lock) proceeds at once.
            for writer in transaction(factory):
                writer.execute(text("UPDATE scenarios SET name_en = name_en"))
    finally:
        engine.dispose()
