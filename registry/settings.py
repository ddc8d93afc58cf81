"""Registry settings: plain `I5G_` prefix (I5G_DATABASE_URL, I5G_HOST, ...) or the [registry] table of the
config file."""

from __future__ import annotations

import secrets
from typing import ClassVar, Literal

from pydantic import Field, IPvAnyNetwork, SecretStr

from i5g.settings import I5GSettings

DEFAULT_DATABASE_URL = "sqlite:///.i5g/registry.db"


class RegistrySettings(I5GSettings):
    config_section: ClassVar[str | None] = "registry"

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Signs browser sessions (web UI). A random default keeps a dev server safe; production sets it so
    # sessions survive restarts.
    secret_key: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(32)))
    grafana_url: str | None = None
    # Echo SQL statements (debugging only).
    sql_echo: bool = False
    # Proxies whose X-Forwarded-For is believed (addresses or networks, e.g. ["10.0.0.0/8"]). Empty: no proxy is
    # trusted and the client address is always the TCP peer, so a client cannot pick its own address for the
    # login limits by sending the header itself.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    # Host header values the registry answers (Starlette's TrustedHostMiddleware; "*.example.cn" wildcards
    # allowed, "*" switches the check off). The default fits the local stack; a deployment lists its own names.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "::1"])
    # Request bodies larger than this are refused with 413 before they are read (registry/bodylimit.py).
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # Larger limits for the routes that legitimately take more, by exact path (I5G_ROUTE_BODY_LIMITS as JSON).
    # The collector's status report may carry 10 000 entries with ids of up to 200 characters.
    route_body_limits: dict[str, int] = Field(default_factory=lambda: {"/api/v1/gateways/status": 16 * 1_048_576})

    # "production" (set it on every real deployment): I5G_SECRET_KEY must be given explicitly, and the API
    # documentation pages are off unless api_docs is set. "development" (the default) suits a laptop or tests.
    environment: Literal["development", "production"] = "development"
    # /docs, /redoc and /openapi.json. None: on in development, off in production.
    api_docs: bool | None = None

    @property
    def api_docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.environment != "production"
