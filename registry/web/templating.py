"""Jinja2 environment and `render`, which gives every page the language, the user, the CSRF token and flashes.

Autoescaping is on for every template (Jinja2Templates turns it on for .html), so user text is always escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from i5g import scenarios
from registry import enums
from registry.enterprises import industry_class
from registry.web import flash
from registry.web.csrf import csrf_token
from registry.web.i18n import Lang, negotiate, translator

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

# Defence in depth behind autoescaping: no script but our own files runs on a page, and no other site frames
# it. Only the HTML pages get these; the API's /docs loads Swagger UI from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def scenario_name(key: str, lang: Lang) -> str:
    scenario = scenarios.SCENARIOS.get(key)
    if scenario is None:
        return key
    return scenario.name_zh if lang == "zh" else scenario.name_en


def enum_label(enum_cls: type[StrEnum], value: object, lang: Lang) -> str:
    """The label of a stored value; an unknown value (e.g. an old row) is shown as it is."""
    try:
        return enums.label(enum_cls(str(value)), lang)
    except (ValueError, KeyError):
        return str(value)


def industry_label(code: str | None, lang: Lang) -> str:
    division = industry_class.get(code)
    return division.label(lang) if division else translator(lang)("industry.unclassified")


def current_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def translator_for(request: Request) -> Callable[..., str]:
    return translator(negotiate(request))


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    lang = negotiate(request)
    user = getattr(request.state, "user", None)
    base: dict[str, Any] = {
        "lang": lang,
        "t": translator(lang),
        "user": user,
        "csrf_token": csrf_token(request),
        "flashes": flash.pop_all(request, lang),
        "here": current_path(request),
        # Site-relative links: correct behind any host name or proxy, unlike Starlette's absolute url_for.
        "url_for": lambda name, **params: request.url_for(name, **params).path,
        "scenario_name": lambda key: scenario_name(key, lang),
        "network_mode_label": lambda v: enum_label(enums.NetworkMode, v, lang),
        "operator_label": lambda v: enum_label(enums.Operator, v, lang),
        "stage_label": lambda v: enum_label(enums.LifecycleStage, v, lang),
        "status_label": lambda v: enum_label(enums.ReviewStatus, v, lang),
        "industry_label": lambda code: industry_label(code, lang),
        "values": {},
        "errors": {},
        "nav": None,
    }
    base.update(context or {})
    response = templates.TemplateResponse(request, name, base, status_code=status_code)
    # Pages differ by language and login state: no shared cache may keep them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Cookie, Accept-Language"
    response.headers.update(SECURITY_HEADERS)
    return response
