"""The FastAPI dependency that gives each request one session and one transaction.

`scope="function"`: the commit (or rollback) happens when the endpoint returns, before the response is sent,
so a client that got a 2xx can rely on the data being stored, and a client that got an error on nothing
having been stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from registry.db import transaction

# Methods that never write: their transactions stay deferred (on SQLite, readers take no lock).
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_session(request: Request) -> Iterator[Session]:
    writes = request.method not in READ_ONLY_METHODS
    yield from transaction(request.app.state.sessionmaker, writes=writes)


SessionDep = Annotated[Session, Depends(request_session, scope="function")]
