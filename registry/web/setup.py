"""`install_web(app)`: the web UI's middleware, static files, error pages and page routes.

Called from registry.app.include_routers; reads the registry settings the app was created with.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from registry.alerts import web as alert_pages
from registry.audit import web as audit_pages
from registry.claims import web as claim_pages
from registry.evidence import web as evidence_pages
from registry.web.deps import load_user
from registry.web.errors import install_page_error_handlers
from registry.web.pages import (
    accounts,
    agent_config,
    catalog,
    export,
    gateways,
    language,
    my_usecases,
    password,
    review,
    sparkplug,
    staff_accounts,
    staff_enterprises,
    staff_usecases,
    usecase_detail,
)
from registry.web.settings import WebSettings
from registry.web.throttle import PasswordThrottle

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "i5g_session"


def page_router() -> APIRouter:
    # Every page loads the logged-in user first, so the header can show it.
    router = APIRouter(dependencies=[Depends(load_user)], include_in_schema=False)
    enterprise_pages = (my_usecases, gateways, agent_config, sparkplug)
    staff_pages = (review, staff_usecases, staff_enterprises, staff_accounts, export, alert_pages, audit_pages)
    public_pages = (catalog, usecase_detail, evidence_pages, accounts, password, language, claim_pages)
    for module in (*public_pages, *enterprise_pages, *staff_pages):
        router.include_router(module.router)
    return router


def install_web(app: FastAPI, web_settings: WebSettings | None = None) -> None:
    web_settings = web_settings or WebSettings.load()
    registry_settings = app.state.settings
    app.state.web_settings = web_settings
    app.state.login_throttle = PasswordThrottle(web_settings)
    app.add_middleware(
        SessionMiddleware,
        secret_key=registry_settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=web_settings.session_max_age,
        same_site="lax",
        https_only=web_settings.cookie_secure,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="web_static")
    install_page_error_handlers(app)
    app.include_router(page_router())
