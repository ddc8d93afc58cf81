"""Engine, sessions, the per-request transaction and programmatic Alembic migrations.

One transaction per request: `session_dependency` opens a session, the endpoint (and the service functions
it calls, which never commit) works in it, and the dependency commits when the endpoint returned normally or
rolls back on any exception, before the response is sent. Nothing is half-written.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so later migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database. SQLite stores no offset, so values are normalised
    to UTC on the way in and marked UTC on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Execution option naming a unit of work that may write: on SQLite it begins with BEGIN IMMEDIATE.
WRITES = "i5g_writes"
SQLITE_BUSY_TIMEOUT_S = 5.0
# One writer at a time per SQLite engine, queued in the process: SQLite's own busy handler polls with
# growing sleeps (up to 100 ms), so under a burst the lock sits free while waiters sleep and some time out.
_sqlite_writer_locks: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite would open its own deferred transaction lazily, just before the first write; SQLAlchemy's
    # documented recipe takes that over (driver in autocommit, `_sqlite_begin` emits BEGIN itself).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster than FULL
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")  # other processes' writers
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """A deferred transaction that reads, then writes after another writer committed, fails at once with
    SQLITE_BUSY_SNAPSHOT ("database is locked"), which no busy timeout can wait out. A unit of work that may
    write therefore takes the write lock when it begins (waiting up to busy_timeout for it); readers stay
    deferred and never block anybody in WAL mode."""
    mode = "IMMEDIATE" if connection.get_execution_options().get(WRITES) else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            # Alembic and the app would each see their own empty in-memory database.
            raise ValueError("the registry needs a SQLite file, not an in-memory database")
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # Uvicorn runs sync endpoints in a thread pool: connections move between threads.
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        _sqlite_writer_locks[engine] = threading.Lock()
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: endpoints build their responses from objects after the commit.
    return sessionmaker(bind=engine, expire_on_commit=False)


def database_busy_error(what: str) -> OperationalError:
    """What SQLite itself raises when busy_timeout runs out; answered 503 + Retry-After (registry/errors.py)."""
    return OperationalError(what, None, sqlite3.OperationalError("database is locked"))


def pool_capacity(engine: Engine) -> int:
    """How many connections the engine's pool hands out at most (QueuePool: size + overflow)."""
    pool = engine.pool
    size = pool.size() if hasattr(pool, "size") else 5
    overflow = getattr(pool, "_max_overflow", 10)
    return max(1, size + max(0, overflow))


def transaction(factory: sessionmaker[Session], *, writes: bool = True) -> Iterator[Session]:
    """One unit of work: commit on normal exit, roll back on any exception (then re-raise).

    `writes=False` for a unit of work that only reads (a GET request): on SQLite it then takes no write lock.
    A generator for FastAPI's dependency system. Outside a request use `session_scope`: leaving a
    `for session in transaction(...)` loop early (return, break) closes the generator and rolls back."""
    writer_lock = _sqlite_writer_locks.get(factory.kw.get("bind")) if writes else None  # type: ignore[arg-type]
    if writer_lock is not None and not writer_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
        raise database_busy_error("BEGIN IMMEDIATE")
    session = factory()
    try:
        if writes:
            session.connection(execution_options={WRITES: True})  # begins now, holding the write lock on SQLite
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        if writer_lock is not None:
            writer_lock.release()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """`with session_scope(factory) as session:` commits when the block ends normally (also on return)."""
    yield from transaction(factory)


def enum_type(enum_cls: type) -> Enum:
    """A StrEnum stored as its value in a VARCHAR (no native PostgreSQL enum: adding a member later is then
    a code change, not a migration)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
