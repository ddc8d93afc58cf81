"""Web UI settings (`I5G_WEB_` prefix or the [web] table of the config file). The signing key of the session
cookie is the registry's `secret_key` (I5G_SECRET_KEY), so there is one secret to manage."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from i5g.settings import I5GSettings


class WebSettings(I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_WEB_", extra="forbid")
    config_section: ClassVar[str | None] = "web"

    # Browser sessions expire after this many seconds (the cookie is signed with a timestamp).
    session_max_age: int = Field(8 * 3600, ge=60)
    # Set when the registry is served over HTTPS so the session cookie is never sent in clear.
    cookie_secure: bool = False
    login_max_failures: int = Field(5, ge=1)
    login_window_seconds: float = Field(300.0, gt=0)
    page_size: int = Field(20, ge=1, le=200)
