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

    # Browser sessions end after this many seconds (the cookie is signed with a timestamp, and the session's
    # row in the database expires too).
    session_max_age: int = Field(8 * 3600, ge=60)
    # Set when the registry is served over HTTPS so the session cookie is never sent in clear.
    cookie_secure: bool = False
    # Password guessing (login and the password-change form), see registry/web/throttle.py: wrong
    # passwords allowed before the backoff starts, per (account, address), per address, and per account from
    # addresses it never logged in from.
    login_max_failures: int = Field(5, ge=1)
    login_address_max_failures: int = Field(20, ge=1)
    login_account_max_failures: int = Field(50, ge=1)
    # The first wait; it doubles with every further failure up to the maxima (the per-account one is short:
    # that counter only slows a distributed attack, it must not keep the owner out).
    login_backoff_seconds: float = Field(30.0, gt=0)
    login_backoff_max_seconds: float = Field(900.0, gt=0)
    login_account_backoff_max_seconds: float = Field(60.0, gt=0)
    # A counter without failures for this long (after its last wait) starts again from zero.
    login_forget_seconds: float = Field(3600.0, gt=0)
    page_size: int = Field(20, ge=1, le=200)
