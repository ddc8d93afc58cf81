"""Domain errors raised by service functions, and the one JSON error shape every failure is answered with:

    {"error": {"code": "validation_error", "message": "...", "fields": [{"field": "body.title", "message": "..."}]}}

`code` is stable (validation_error, malformed_json, not_found, conflict, unauthorized, forbidden,
method_not_allowed, http_error, unavailable, internal_error); `fields` is present for validation errors only.
Service functions raise the domain errors below and never know about HTTP; `install_error_handlers` maps them.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class RegistryError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(RegistryError):
    status_code = 404
    code = "not_found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} not found")


class Conflict(RegistryError):
    status_code = 409
    code = "conflict"


class FieldInvalid(RegistryError):
    """A value that passed the schema but not a check needing the database (e.g. an unknown scenario key).
    `field` is the input field name; the HTTP layer prefixes it with "body."."""

    status_code = 422
    code = "validation_error"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.field_message = message


class Unauthorized(RegistryError):
    status_code = 401
    code = "unauthorized"


class Forbidden(RegistryError):
    status_code = 403
    code = "forbidden"


class ErrorField(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[ErrorField] | None = None


class ErrorResponse(BaseModel):
    """The one error shape of the API, declared in the OpenAPI document for every error status it answers."""

    error: ErrorDetail


def _declared(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


# Declared on the /api/v1 router; a 422 entry here also replaces FastAPI's default HTTPValidationError schema,
# which does not describe what the handlers below send.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _declared("Malformed request (e.g. a body that is not JSON)"),
    401: _declared("Missing or unknown API token"),
    403: _declared("The token's role may not do this"),
    404: _declared("No such resource"),
    409: _declared("Conflicts with what is stored (duplicate, still referenced, not approved)"),
    413: _declared("The request body is larger than this route's limit (refused before it was read)"),
    422: _declared("Invalid input; `fields` names each bad field and why"),
    503: _declared(
        "A dependency (the MQTT broker, or the database under a write overload) is unavailable; nothing was "
        "stored. Retry after the seconds given in the Retry-After header"
    ),
}

# Seconds a client is asked to wait when the database is busy: writers hold the lock for milliseconds.
BUSY_RETRY_AFTER_S = 1


def database_busy(exc: OperationalError) -> bool:
    """SQLite's "database is locked" / "database is busy": the write lock was not free within busy_timeout.
    An overload to answer with 503 + Retry-After, not a server fault."""
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


def busy_response() -> JSONResponse:
    return JSONResponse(
        error_body("unavailable", "the database is busy; nothing was stored, retry shortly"),
        status_code=503,
        headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
    )


def error_body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc) or "(request)"


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    json_errors = [e for e in errors if e.get("type") == "json_invalid"]
    if json_errors:
        ctx = json_errors[0].get("ctx") or {}
        detail = ctx.get("error", json_errors[0].get("msg", ""))
        return JSONResponse(error_body("malformed_json", f"request body is not valid JSON: {detail}"), status_code=400)
    fields = [{"field": _field_name(e.get("loc", ())), "message": str(e.get("msg", "invalid"))} for e in errors]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return JSONResponse(error_body("validation_error", f"invalid request: {summary}", fields), status_code=422)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(exc)

    @app.exception_handler(FieldInvalid)
    async def _on_field_invalid(_request: Request, exc: FieldInvalid) -> JSONResponse:
        fields = [{"field": f"body.{exc.field}", "message": exc.field_message}]
        return JSONResponse(
            error_body(exc.code, f"invalid request: body.{exc.field}: {exc.field_message}", fields),
            status_code=exc.status_code,
        )

    @app.exception_handler(RegistryError)
    async def _on_registry_error(_request: Request, exc: RegistryError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status_code, headers=headers)

    @app.exception_handler(IntegrityError)
    async def _on_integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check duplicates first with a precise message; this catches races and anything missed.
        log.info("integrity error: %s", exc.orig)
        return JSONResponse(
            error_body("conflict", f"conflicts with existing data: {str(exc.orig).splitlines()[0]}"),
            status_code=409,
        )

    @app.exception_handler(OperationalError)
    async def _on_operational(_request: Request, exc: OperationalError) -> JSONResponse:
        if database_busy(exc):
            log.warning("database busy, answered 503: %s", exc.orig)
            return busy_response()
        log.exception("database error", exc_info=exc)
        return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _on_out_of_range(_request: Request, exc: Exception) -> JSONResponse:
        # An id or number beyond what the column holds (e.g. an id > 2**63-1): sqlite3 raises OverflowError,
        # PostgreSQL a DataError. The input is wrong, not the server (found by tests/security/test_schemathesis.py).
        log.info("value out of range for the database: %s", exc)
        return JSONResponse(error_body("validation_error", "a number is out of range"), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)
