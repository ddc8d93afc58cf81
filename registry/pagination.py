"""Page pagination with a total count: `?page=1&page_size=20` -> {items, total, page, page_size}."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_PAGE_SIZE = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


def page_of(schema: type[BaseModel], rows: list[Any], total: int, request: PageRequest) -> Page[Any]:
    """The response for one page: each row converted to `schema`."""
    items = [schema.model_validate(row) for row in rows]
    return Page(items=items, total=total, page=request.page, page_size=request.page_size)


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_request(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="rows per page")] = 20,
) -> PageRequest:
    return PageRequest(page, page_size)


def fetch_page(
    session: Session, stmt: Select[Any], request: PageRequest, count_stmt: Select[Any] | None = None
) -> tuple[list[Any], int]:
    """The rows of one page of `stmt` (which must be ordered) and the total number of matching rows, counted
    by `count_stmt` when given (a cheaper equivalent, e.g. without a join only the page needs)."""
    if count_stmt is None:
        # COUNT over the same FROM/WHERE without selecting the columns: SQLite can then answer from an index.
        count_stmt = stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    total = session.scalar(count_stmt) or 0
    rows = list(session.scalars(stmt.limit(request.page_size).offset(request.offset)).unique())
    return rows, int(total)
