"""Errors of the HTML pages: answered with a translated HTML page, never the API's JSON error body."""

from __future__ import annotations

from fastapi import FastAPI, Request
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from registry.accounts.csrf import CSRFError


class PageError(Exception):
    def __init__(self, status_code: int, message_key: str) -> None:
        super().__init__(message_key)
        self.status_code = status_code
        self.message_key = message_key


class LoginRequired(Exception):
    """Raised by page dependencies: redirects to the login page and back afterwards."""


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not an API client, not the API's own paths)."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def install_page_error_handlers(app: FastAPI) -> None:
    from registry.web.templating import render, translator_for

    # Unknown paths and wrong methods: browsers get a page, API clients keep the API's JSON error shape.
    api_http_handler = app.exception_handlers.get(StarletteHTTPException)

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if api_http_handler is not None and not wants_html(request):
            return await api_http_handler(request, exc)
        t = translator_for(request)
        message = t("err.not_found") if exc.status_code in (404, 405) else t("err.title")
        return render(request, "error.html", {"message": message}, status_code=exc.status_code)

    api_operational_handler = app.exception_handlers.get(OperationalError)

    @app.exception_handler(OperationalError)
    async def _on_operational(request: Request, exc: OperationalError) -> Response:
        from registry.errors import BUSY_RETRY_AFTER_S, database_busy

        if api_operational_handler is not None and not (wants_html(request) and database_busy(exc)):
            return await api_operational_handler(request, exc)
        t = translator_for(request)
        response = render(request, "error.html", {"message": t("err.busy")}, status_code=503)
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
        return response

    @app.exception_handler(PageError)
    async def _on_page_error(request: Request, exc: PageError) -> HTMLResponse:
        t = translator_for(request)
        return render(request, "error.html", {"message": t(exc.message_key)}, status_code=exc.status_code)

    @app.exception_handler(CSRFError)
    async def _on_csrf(request: Request, _exc: CSRFError) -> HTMLResponse:
        t = translator_for(request)
        return render(request, "error.html", {"message": t("err.csrf")}, status_code=403)

    @app.exception_handler(LoginRequired)
    async def _on_login_required(request: Request, _exc: LoginRequired) -> Response:
        from registry.web import flash
        from registry.web.templating import current_path

        flash.add(request, "info", "login.required")
        target = request.url_for("login_form").include_query_params(next=current_path(request))
        return RedirectResponse(str(target), status_code=303)
