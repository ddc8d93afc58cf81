"""The FastAPI dependency that gives each request one session and one transaction.

`scope="function"`: the commit (or rollback) happens when the endpoint returns, before the response is sent,
so a client that got a 2xx can rely on the data being stored, and a client that got an error on nothing
having been stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from registry.db import SQLITE_BUSY_TIMEOUT_S, database_busy_error, pool_capacity, transaction

# Methods that never write: their transactions stay deferred (on SQLite, readers take no lock).
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def database_slot(request: Request) -> AsyncIterator[None]:
    """Admission at the request edge: at most as many requests hold or wait for a database connection as the
    pool has connections. The session's setup and teardown (the commit) run in the thread pool; without this
    bound a burst of requests fills every worker thread with waits for a pooled connection, while the requests
    that hold the connections wait for a thread to commit and give them back (a deadlock until the pool's
    timeout, answered 500). Waiting here costs no thread; a wait past the busy timeout is answered 503."""
    slots = _slots(request)
    try:
        await asyncio.wait_for(slots.acquire(), timeout=SQLITE_BUSY_TIMEOUT_S)
    except TimeoutError:
        raise database_busy_error("waiting for a database connection") from None
    try:
        yield
    finally:
        slots.release()


def _slots(request: Request) -> asyncio.Semaphore:
    # One semaphore per engine (the app may be rebound to another database) and event loop (a semaphore that
    # had waiters belongs to its loop; test clients run one loop after another).
    engine, loop = request.app.state.engine, asyncio.get_running_loop()
    slots = getattr(request.app.state, "database_slots", None)
    if slots is None or slots[0] is not engine or slots[1] is not loop:
        slots = (engine, loop, asyncio.Semaphore(pool_capacity(engine)))
        request.app.state.database_slots = slots
    return slots[2]


def request_session(
    request: Request, _slot: Annotated[None, Depends(database_slot, scope="function")]
) -> Iterator[Session]:
    writes = request.method not in READ_ONLY_METHODS
    yield from transaction(request.app.state.sessionmaker, writes=writes)


SessionDep = Annotated[Session, Depends(request_session, scope="function")]
