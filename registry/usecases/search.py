"""Free-text search over use cases: enterprise names (zh, en), title and description.

`text_match(session, q)` returns the WHERE clause; the listing service does not know how it works.

Both databases keep a word index in table `use_case_search` (created by migration 0002), so a search costs
in proportion to its matches, not to the catalog size:

- SQLite: an FTS5 virtual table (rowid = use case id, column body), queried with MATCH.
- PostgreSQL: (use_case_id, document tsvector) with a GIN index, queried with @@ to_tsquery('simple', ...).

Full-text tokenizers treat a run of Chinese characters as one word, so the text is pre-segmented here: every
CJK character becomes its own token, and a query word is a phrase of adjacent tokens. That finds any Chinese
substring (two-character words like 常州 included) and Latin words by prefix ("trina" finds "Trina Solar";
"rina" does not). Every whitespace-separated word of q must match. The index is kept current by a Session
`after_flush` hook for every ORM write; `rebuild_index` refills it after bulk Core inserts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, event, false, inspect, select, text
from sqlalchemy.orm import Session

from registry.enterprises.models import Enterprise
from registry.usecases.models import UseCase

INDEX_TABLE = "use_case_search"

# CJK ideographs (incl. extension A and compatibility), kana and hangul: one token per character.
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
# Everything but letters and digits separates tokens (both engines' parsers would split there anyway).
_SEPARATORS = re.compile(r"[^\w]+|_", re.UNICODE)


def segment(value: str) -> list[str]:
    """Lowercased tokens: each CJK character alone, other runs of letters/digits as words."""
    spaced = _CJK.sub(r" \1 ", value.lower())
    return [token for token in _SEPARATORS.sub(" ", spaced).split() if token]


def _phrases(q: str) -> list[list[str]]:
    return [tokens for tokens in (segment(word) for word in q.split()) if tokens]


def fts_query(q: str) -> str | None:
    """SQLite FTS5 MATCH expression: per word of q a phrase of adjacent tokens, its last token a prefix;
    all words must match. None when q has no searchable characters."""
    phrases = [" + ".join([*(f'"{t}"' for t in tokens[:-1]), f'"{tokens[-1]}"*']) for tokens in _phrases(q)]
    return " AND ".join(phrases) if phrases else None


def tsquery(q: str) -> str | None:
    """The same for PostgreSQL's to_tsquery: `<->` is "followed by", `:*` a prefix, `&` and."""
    phrases = [" <-> ".join([*tokens[:-1], f"{tokens[-1]}:*"]) for tokens in _phrases(q)]
    return " & ".join(f"({phrase})" for phrase in phrases) if phrases else None


def text_match(session: Session, q: str, *, filters_enterprises: bool = False) -> ColumnElement[bool]:
    """The WHERE clause for q. `filters_enterprises`: the query also filters on enterprise columns (city,
    province, industry)."""
    if session.get_bind().dialect.name == "sqlite":
        expression = fts_query(q)
        if expression is None:
            return false()
        matching = text(f"SELECT rowid FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH :search_q")
        # With an enterprise filter SQLite's planner would start from the enterprises and probe the use-case
        # index once per (enterprise, match) pair (90 ms at 10k rows); `id + 0` is not indexable, so the match
        # list is then only a membership test (1 ms). Without one, probing by id from the matches is fastest.
        subject = UseCase.id + 0 if filters_enterprises else UseCase.id
    else:
        expression = tsquery(q)
        if expression is None:
            return false()
        matching = text(f"SELECT use_case_id FROM {INDEX_TABLE} WHERE document @@ to_tsquery('simple', :search_q)")
        subject = UseCase.id
    return subject.in_(matching.bindparams(search_q=expression).columns(id=UseCase.id.type))


# ---- keeping the index current --------------------------------------------------------------------


def _document(*parts: str | None) -> str:
    return " ".join(" ".join(segment(part)) for part in parts if part)


_INSERT = {
    "sqlite": f"INSERT INTO {INDEX_TABLE} (rowid, body) VALUES (:id, :body)",
    "postgresql": f"INSERT INTO {INDEX_TABLE} (use_case_id, document) VALUES (:id, to_tsvector('simple', :body))",
}
_DELETE = {
    "sqlite": f"DELETE FROM {INDEX_TABLE} WHERE rowid IN ({{ids}})",
    "postgresql": f"DELETE FROM {INDEX_TABLE} WHERE use_case_id IN ({{ids}})",
}


def reindex(connection: Connection, use_case_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these use cases (deleting those of use cases that no longer exist)."""
    ids = sorted(set(use_case_ids))
    dialect = connection.dialect.name
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        connection.execute(text(_DELETE[dialect].format(ids=",".join(str(int(i)) for i in chunk))))
        rows = connection.execute(
            select(UseCase.id, Enterprise.name, Enterprise.name_en, UseCase.title, UseCase.description)
            .join(Enterprise, Enterprise.id == UseCase.enterprise_id)
            .where(UseCase.id.in_(chunk))
        )
        documents = [{"id": row[0], "body": _document(*row[1:])} for row in rows]
        if documents:
            connection.execute(text(_INSERT[dialect]), documents)


def rebuild_index(connection: Connection) -> None:
    """Refill the whole index (after bulk inserts that bypass the ORM, and in the migration creating it)."""
    connection.execute(text(f"DELETE FROM {INDEX_TABLE}"))
    reindex(connection, connection.scalars(select(UseCase.id)))


_INDEXED_ENTERPRISE_FIELDS = ("name", "name_en")
_INDEXED_USE_CASE_FIELDS = ("title", "description", "enterprise_id")


def _changed(instance: object, fields: tuple[str, ...]) -> bool:
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in fields)


def after_flush(session: Session, _flush_context: object) -> None:
    """Session hook: reindex the use cases this flush created, changed or deleted."""
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
    if not ids and not enterprise_ids:
        return  # most flushes (accounts, gateways, tokens) touch nothing indexed
    connection = session.connection()
    if enterprise_ids:
        ids.update(connection.scalars(select(UseCase.id).where(UseCase.enterprise_id.in_(enterprise_ids))))
    reindex(connection, ids)


if not event.contains(Session, "after_flush", after_flush):
    event.listen(Session, "after_flush", after_flush)
