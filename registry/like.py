"""LIKE patterns from user text, for the listings that match names by substring (the use-case catalog has its
full-text index instead: registry/usecases/search.py)."""

from __future__ import annotations


def like_pattern(q: str) -> str:
    """`%q%` with LIKE's wildcards in q escaped (use with escape="\\")."""
    escaped = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
