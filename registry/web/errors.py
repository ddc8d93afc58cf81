"""Errors of the HTML pages: answered with a translated HTML page, never the API's JSON error body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, OperationalError
from starlette.datastructures import URL
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from registry.web.csrf import CSRFError


class PageError(Exception):
    def __init__(self, status_code: int, message_key: str) -> None:
        super().__init__(message_key)
        self.status_code = status_code
        self.message_key = message_key


class Refused(Exception):
    """A page refuses a submission: `response` (the form again, saying what was wrong) is sent, and because it is
    raised, the request's transaction rolls back at the edge (registry/db_session.py): nothing of it is stored."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class LoginRequired(Exception):
    """Raised by page dependencies: redirects to the login page and back afterwards."""


_PAGE_MESSAGES = {404: "err.not_found", 405: "err.not_found", 413: "err.too_large"}


def is_page_route(request: Request) -> bool:
    """The request was routed to one of the web UI's pages (registry/web/pages/)."""
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    return getattr(endpoint, "__module__", "").startswith("registry.web.")


def wants_html(request: Request) -> bool:
    """A page route, or a browser asking for HTML; never the API's own paths, which always answer JSON."""
    if request.url.path.startswith("/api/"):
        return False
    return is_page_route(request) or "text/html" in request.headers.get("accept", "")


def _bad_address_status(exc: Exception) -> int:
    # An id beyond what the database holds, or a path parameter that is not one, names no page: 404.
    # A bad query parameter is a bad request.
    if isinstance(exc, RequestValidationError):
        return 404 if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()) else 400
    return 404


def install_page_error_handlers(app: FastAPI) -> None:
    from registry.web.templating import render, translator_for

    # Unknown paths and wrong methods: browsers get a page, API clients keep the API's JSON error shape.
    api_http_handler = app.exception_handlers.get(StarletteHTTPException)

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if api_http_handler is not None and not wants_html(request):
            return await api_http_handler(request, exc)
        t = translator_for(request)
        message = t(_PAGE_MESSAGES.get(exc.status_code, "err.title"))
        return render(request, "error.html", {"message": message}, status_code=exc.status_code)

    # Out-of-range or malformed ids and parameters: the API answers 422 JSON, a page route the error page.
    def bad_address_handler(api_handler: Any) -> Callable[[Request, Exception], Awaitable[Response]]:
        async def handle(request: Request, exc: Exception) -> Response:
            if api_handler is not None and not wants_html(request):
                return await api_handler(request, exc)
            status_code = _bad_address_status(exc)
            t = translator_for(request)
            message = t("err.not_found" if status_code == 404 else "err.bad_request")
            return render(request, "error.html", {"message": message}, status_code=status_code)

        return handle

    for exc_type in (RequestValidationError, OverflowError, DataError):
        app.add_exception_handler(exc_type, bad_address_handler(app.exception_handlers.get(exc_type)))
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

    @app.exception_handler(Refused)
    async def _on_refused(_request: Request, exc: Refused) -> Response:
        return exc.response

    @app.exception_handler(CSRFError)
    async def _on_csrf(request: Request, _exc: CSRFError) -> HTMLResponse:
        t = translator_for(request)
        return render(request, "error.html", {"message": t("err.csrf")}, status_code=403)

    @app.exception_handler(LoginRequired)
    async def _on_login_required(request: Request, _exc: LoginRequired) -> Response:
        from registry.web import flash
        from registry.web.templating import current_path

        flash.add(request, "info", "login.required")
        # A path, never an absolute URL: nothing of the request's Host header may reach the Location.
        target = URL(request.url_for("login_form").path).include_query_params(next=current_path(request))
        return RedirectResponse(str(target), status_code=303)
