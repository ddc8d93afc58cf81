"""Free-text search helpers shared by the listing services."""

from __future__ import annotations


def like_pattern(q: str) -> str:
    """`%q%` with LIKE's wildcards in q escaped (use with escape="\\")."""
    escaped = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
