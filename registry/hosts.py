"""Host header guards for the whole app (pages and API): the Host header is chosen by the client, so it must
never end up in a Location header, and only the configured names are answered at all.

- `TrustedHostMiddleware` answers 400 to a Host not in `I5G_ALLOWED_HOSTS` (this also stops DNS rebinding
  against a registry on a developer's machine).
- `RelativeRedirects` turns every self-referencing absolute Location (Starlette's trailing-slash redirect
  builds one from the Host header) into a path, so even `I5G_ALLOWED_HOSTS=["*"]` reflects nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.settings import RegistrySettings


def relative_location(location: str, host: str) -> str:
    """`location` as a path when it points at `host` itself; other locations are left alone."""
    parts = urlsplit(location)
    if not parts.netloc or parts.netloc.lower() != host.lower():
        return location
    # "//x" would be read as another host by the browser: a path starts with exactly one slash.
    path = "/" + parts.path.lstrip("/")
    return urlunsplit(("", "", path, parts.query, parts.fragment))


class RelativeRedirects:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if location := headers.get("location"):
                    headers["location"] = relative_location(location, host)
            await send(message)

        await self.app(scope, receive, send_relative)


def install_host_guards(app: FastAPI, settings: RegistrySettings) -> None:
    # Added last, so they run first (outermost): a refused Host reaches no route and no session handling.
    app.add_middleware(RelativeRedirects)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts, www_redirect=False)
