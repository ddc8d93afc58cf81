"""Free-text search over use cases: enterprise names, title and description.

One function, `text_match(session, q)`, returns the WHERE clause; the listing service does not know how it
is implemented, so the implementation can change per database.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from registry.enterprises.models import Enterprise
from registry.search import like_pattern
from registry.usecases.models import UseCase


def text_match(session: Session, q: str) -> ColumnElement[bool]:
    pattern = like_pattern(q)
    return or_(
        *(
            column.ilike(pattern, escape="\\")
            for column in (Enterprise.name, Enterprise.name_en, UseCase.title, UseCase.description)
        )
    )
