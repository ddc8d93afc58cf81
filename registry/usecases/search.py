"""Free-text search over use cases: enterprise names (zh, en), title and description.

`text_match(session, q)` returns the WHERE clause; the listing service does not know how it works.

- SQLite: an FTS5 index (table `use_case_search`, rowid = use case id), so search cost follows the number
  of matches, not the catalog size. FTS5's tokenizers treat a run of Chinese characters as one word, so the
  indexed text is pre-segmented here: every CJK character becomes its own token, and a query is a phrase of
  adjacent tokens. That finds any Chinese substring (two-character words like 常州 included) and Latin words
  by prefix ("trina" finds "Trina Solar"; "rina" does not). The index is kept current by a Session
  `after_flush` hook for every ORM write, and `rebuild_index` refills it after bulk Core inserts.
- PostgreSQL: ILIKE over the four columns, every word of q as a substring.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, and_, false, literal_column, or_, select, text
from sqlalchemy.orm import Session

from registry.enterprises.models import Enterprise
from registry.search import like_pattern
from registry.usecases.models import UseCase

INDEX_TABLE = "use_case_search"

# CJK ideographs (incl. extension A and compatibility), kana and hangul: one token per character.
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
# What unicode61 would split on anyway; dropping it here keeps query tokens identical to indexed ones.
_SEPARATORS = re.compile(r"[^\w]+", re.UNICODE)


def segment(value: str) -> list[str]:
    """Lowercased tokens: each CJK character alone, other runs of letters/digits as words."""
    spaced = _CJK.sub(r" \1 ", value.lower())
    return [token for token in _SEPARATORS.sub(" ", spaced.replace("_", " ")).split() if token]


def fts_query(q: str) -> str | None:
    """An FTS5 MATCH expression: each whitespace-separated word of q is a phrase of adjacent tokens (its
    last token a prefix), all words must match. None when q has no searchable characters."""
    phrases = []
    for word in q.split():
        tokens = segment(word)
        if tokens:
            parts = [f'"{token}"' for token in tokens]
            parts[-1] += "*"
            phrases.append(" + ".join(parts))
    return " AND ".join(phrases) if phrases else None


def text_match(session: Session, q: str, *, filters_enterprises: bool = False) -> ColumnElement[bool]:
    """The WHERE clause for q. `filters_enterprises`: the query also filters on enterprise columns (city,
    province, industry)."""
    if session.get_bind().dialect.name == "sqlite":
        expression = fts_query(q)
        if expression is None:
            return false()
        matching = (
            select(literal_column("rowid"))
            .select_from(text(INDEX_TABLE))
            .where(text(f"{INDEX_TABLE} MATCH :search_q").bindparams(search_q=expression))
        )
        # With an enterprise filter SQLite's planner would start from the enterprises and probe the use-case
        # index once per (enterprise, match) pair (90 ms at 10k rows); `id + 0` is not indexable, so the match
        # list is then only a membership test (1 ms). Without one, probing by id from the matches is fastest.
        subject = UseCase.id + 0 if filters_enterprises else UseCase.id
        return subject.in_(matching)
    # Like the FTS form: every whitespace-separated word must occur (here: as a substring) in some column.
    words = q.split()
    if not words:
        return false()
    return and_(
        *(
            or_(
                *(
                    column.ilike(like_pattern(word), escape="\\")
                    for column in (Enterprise.name, Enterprise.name_en, UseCase.title, UseCase.description)
                )
            )
            for word in words
        )
    )


def uses_enterprise_columns(clause: ColumnElement[bool]) -> bool:
    """Whether a clause from text_match reads enterprise columns (the ILIKE form does; FTS does not)."""
    from sqlalchemy.sql import visitors

    return any(getattr(element, "table", None) is Enterprise.__table__ for element in visitors.iterate(clause))


# ---- keeping the SQLite index current --------------------------------------------------------------------


def _document(*parts: str | None) -> str:
    return " ".join(" ".join(segment(part)) for part in parts if part)


def reindex(connection: Connection, use_case_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these use cases (deleting those of use cases that no longer exist)."""
    ids = sorted(set(use_case_ids))
    if not ids or connection.dialect.name != "sqlite":
        return
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        connection.execute(text(f"DELETE FROM {INDEX_TABLE} WHERE rowid IN ({','.join(str(int(i)) for i in chunk)})"))
        rows = connection.execute(
            select(UseCase.id, Enterprise.name, Enterprise.name_en, UseCase.title, UseCase.description)
            .join(Enterprise, Enterprise.id == UseCase.enterprise_id)
            .where(UseCase.id.in_(chunk))
        )
        documents = [{"rowid": row[0], "body": _document(*row[1:])} for row in rows]
        if documents:
            connection.execute(text(f"INSERT INTO {INDEX_TABLE} (rowid, body) VALUES (:rowid, :body)"), documents)


def rebuild_index(connection: Connection) -> None:
    """Refill the whole index (after bulk inserts that bypass the ORM, and in the migration creating it)."""
    if connection.dialect.name != "sqlite":
        return
    connection.execute(text(f"DELETE FROM {INDEX_TABLE}"))
    reindex(connection, connection.scalars(select(UseCase.id)))


_INDEXED_ENTERPRISE_FIELDS = ("name", "name_en")
_INDEXED_USE_CASE_FIELDS = ("title", "description", "enterprise_id")


def _changed(instance: object, fields: tuple[str, ...]) -> bool:
    from sqlalchemy import inspect

    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in fields)


def after_flush(session: Session, _flush_context: object) -> None:
    """Session hook: reindex the use cases this flush created, changed or deleted (SQLite only)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    ids: set[int] = set()
    enterprise_ids: set[int] = set()
    for instance in session.new:
        if isinstance(instance, UseCase):
            ids.add(instance.id)
    for instance in session.dirty:
        if isinstance(instance, UseCase) and _changed(instance, _INDEXED_USE_CASE_FIELDS):
            ids.add(instance.id)
        elif isinstance(instance, Enterprise) and _changed(instance, _INDEXED_ENTERPRISE_FIELDS):
            enterprise_ids.add(instance.id)
    for instance in session.deleted:
        if isinstance(instance, UseCase):
            ids.add(instance.id)
    connection = session.connection()
    if enterprise_ids:
        ids.update(connection.scalars(select(UseCase.id).where(UseCase.enterprise_id.in_(enterprise_ids))))
    reindex(connection, ids)
