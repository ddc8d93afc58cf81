"""A request-body limit enforced before anything reads the body, for every route (issue 16.2).

FastAPI reads a JSON body whole before the route's dependencies run, so without a limit an anonymous
300 MB POST is held in memory before authentication can refuse it. `BodyLimitMiddleware` is the outermost
ASGI layer: a declared Content-Length above the route's limit is refused before the body is read, and a body
without a length (chunked) or with a lying one is counted as it streams in, and refused as soon as it passes
the limit. Either way the refusal is an HTTP 413 raised where the body is read, so the app's own handlers
answer it: the API's JSON error shape under /api/, the site's error page for a browser.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"request body too large: the limit for this route is {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, default_limit: int, route_limits: Mapping[str, int]) -> None:
        self.app = app
        self.default_limit = default_limit
        self.route_limits = dict(route_limits)

    def limit_for(self, path: str) -> int:
        return self.route_limits.get(path.rstrip("/") or "/", self.default_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            # Refused before the first byte is read: the client's body stays on the wire, never in memory.
            if declared is not None and declared > limit:
                raise too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the HTTP server refuses a malformed length itself; counting still applies
    return None
