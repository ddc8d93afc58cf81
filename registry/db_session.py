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


def request_session(request: Request) -> Iterator[Session]:
    yield from transaction(request.app.state.sessionmaker)


SessionDep = Annotated[Session, Depends(request_session, scope="function")]
