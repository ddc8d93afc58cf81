"""Registry settings: plain `I5G_` prefix (I5G_DATABASE_URL, I5G_HOST, ...) or the [registry] table of the
config file."""

from __future__ import annotations

import secrets
from typing import ClassVar, Literal

from pydantic import Field, SecretStr

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

    # "production" (set it on every real deployment): I5G_SECRET_KEY must be given explicitly, and the API
    # documentation pages are off unless api_docs is set. "development" (the default) suits a laptop or tests.
    environment: Literal["development", "production"] = "development"
    # /docs, /redoc and /openapi.json. None: on in development, off in production.
    api_docs: bool | None = None

    @property
    def api_docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.environment != "production"
