"""The password-guessing throttle as the pages use it (login and the password-change form): one place that
asks whether a guess may be made now, and answers a refused one with 429 and Retry-After."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from registry.web.client_address import client_address
from registry.web.throttle import PasswordThrottle


class PasswordGuard:
    """Bound to one request and one account: `wait()`, then `failed()` or `succeeded()` after the check."""

    def __init__(self, request: Request, session: Session, account: str) -> None:
        self._throttle: PasswordThrottle = request.app.state.login_throttle
        self._session = session
        self._account = account
        self._address = client_address(request)

    def wait(self) -> int:
        return self._throttle.retry_after(self._session, self._account, self._address)

    def failed(self) -> None:
        self._throttle.record_failure(self._session, self._account, self._address)

    def succeeded(self) -> None:
        self._throttle.record_success(self._session, self._account, self._address)


def too_many(response: HTMLResponse, wait: int) -> HTMLResponse:
    response.headers["Retry-After"] = str(wait)
    return response
