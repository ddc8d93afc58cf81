"""The registry's FastAPI application: `create_app(settings)`.

Routers are included in one place (`include_routers`): the REST API under /api/v1 here; the web UI adds its
page router next to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

import registry.models  # noqa: F401  (every table and the search-index hook, registry/models.py)
from i5g import __version__
from registry.agentconfig.api import router as agentconfig_router
from registry.alerts.api import router as alerts_router
from registry.audit.api import router as audit_router
from registry.bodylimit import BodyLimitMiddleware
from registry.cities.api import router as cities_router
from registry.claims.api import router as claims_router
from registry.db import make_engine, make_sessionmaker
from registry.enterprises.api import router as enterprises_router
from registry.errors import ERROR_RESPONSES, error_body, install_error_handlers
from registry.evidence.api import router as evidence_router
from registry.gateways.api import router as gateways_router
from registry.hosts import install_host_guards
from registry.scenarios.api import router as scenarios_router
from registry.settings import RegistrySettings
from registry.sparkplug.api import router as sparkplug_router
from registry.usecases.api import router as usecases_router

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    for domain_router in (
        enterprises_router,
        usecases_router,
        gateways_router,
        agentconfig_router,
        sparkplug_router,
        scenarios_router,
        cities_router,
        evidence_router,
        claims_router,
        audit_router,
        alerts_router,
    ):
        router.include_router(domain_router)
    return router


def include_routers(app: FastAPI) -> None:
    app.include_router(api_router())
    # The web UI (registry/web/): session middleware, static files, HTML error pages and the page routes.
    from registry.web.setup import install_web

    install_web(app)


def bind_database(app: FastAPI, url: str, *, echo: bool = False) -> None:
    """Point the app at a database (disposing the previous engine). Building the routes takes most of a second,
    so the tests build one app and rebind it to each test's fresh database."""
    previous = getattr(app.state, "engine", None)
    engine = make_engine(url, echo=echo)
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    if previous is not None:
        previous.dispose()


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings.load()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="industrial5g registry",
        version=__version__,
        description="Industrial 5G use cases, enterprises, gateways and scenario KPI profiles.",
        lifespan=lifespan,
        # Off in production unless asked for (I5G_API_DOCS): the schema maps every endpoint for a visitor.
        docs_url="/docs" if settings.api_docs_enabled else None,
        redoc_url="/redoc" if settings.api_docs_enabled else None,
        openapi_url="/openapi.json" if settings.api_docs_enabled else None,
    )
    app.state.settings = settings
    bind_database(app, settings.database_url, echo=settings.sql_echo)
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        try:
            with app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means unhealthy, whatever its type
            return JSONResponse(error_body("unhealthy", f"database unreachable: {exc}"), status_code=503)
        return JSONResponse({"status": "ok", "version": __version__})

    include_routers(app)
    install_host_guards(app, settings)
    # Added last, so it is the outermost middleware: no layer below it can read an oversized body.
    app.add_middleware(
        BodyLimitMiddleware, default_limit=settings.max_body_bytes, route_limits=settings.route_body_limits
    )
    return app
