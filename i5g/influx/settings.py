"""`i5g influx v2proxy` settings: `I5G_INFLUX_PROXY_*` or the `[influx_proxy]` table of the config file."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from i5g.settings import I5GSettings


class InfluxProxySettings(I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_INFLUX_PROXY_", extra="forbid", env_nested_delimiter="__")
    config_section: ClassVar[str | None] = "influx_proxy"

    # InfluxDB 1.x HTTP API the proxy forwards to (/write, /query, /ping).
    upstream_url: str = "http://127.0.0.1:8086"
    # Loopback by default: the collector runs on the same host; put TLS in front before exposing it.
    host: str = "127.0.0.1"
    port: int = Field(8087, ge=1, le=65535)

    @field_validator("upstream_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL of InfluxDB 1.x")
        return value.rstrip("/")
