"""One-time messages shown on the next page (after a redirect), kept in the session as message keys so they
are translated in the language of the page that shows them."""

from __future__ import annotations

from typing import Literal

from fastapi import Request

from registry.web.i18n import Lang, translate

Level = Literal["info", "ok", "error"]
SESSION_KEY = "flash"


def add(request: Request, level: Level, key: str, **values: str | int) -> None:
    pending = list(request.session.get(SESSION_KEY, []))
    pending.append([level, key, values])
    request.session[SESSION_KEY] = pending


def pop_all(request: Request, lang: Lang) -> list[tuple[str, str]]:
    stored = request.session.pop(SESSION_KEY, None) or []
    return [(level, translate(lang, key, **values)) for level, key, values in stored]
