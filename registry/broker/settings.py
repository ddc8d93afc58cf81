"""Broker admin settings: `I5G_BROKER_*` or the `[broker]` table of the config file.

Unset `admin_url` means "no broker provisioning": the registry then works without a broker (tests, a
registry-only deployment) and gateways get no broker identity.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from i5g import contract
from i5g.settings import I5GSettings


class BrokerSettings(I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_BROKER_", extra="forbid", env_nested_delimiter="__")
    config_section: ClassVar[str | None] = "broker"

    # mqtt://host:port or mqtts://host:port (TLS); the account must hold dynsec's `admin` role.
    admin_url: str | None = None
    admin_username: str = "i5g-admin"
    admin_password: SecretStr = SecretStr("")
    ca_file: Path | None = None  # for mqtts:// with a private CA; None = system trust store
    timeout_s: float = Field(5.0, gt=0, le=120)
    # mqtt(s)://host:port as gateways reach the broker, for the agent configuration handed over with a new
    # gateway's password (registry/gateways/agent_config.py); None: the admin_url's.
    agent_url: str | None = None

    @field_validator("admin_url", "agent_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("use mqtt://host:port or mqtts://host:port")
        return value

    @field_validator("admin_username")
    @classmethod
    def _not_a_gateway(cls, value: str) -> str:
        if value.startswith(contract.GATEWAY_USERNAME_PREFIX):
            raise ValueError(f"names starting with {contract.GATEWAY_USERNAME_PREFIX!r} belong to gateways")
        return value

    @property
    def enabled(self) -> bool:
        return self.admin_url is not None

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.admin_url or "").hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        parts = urllib.parse.urlsplit(self.admin_url or "")
        return parts.port or (8883 if parts.scheme == "mqtts" else 1883)

    @property
    def tls(self) -> bool:
        return (self.admin_url or "").startswith("mqtts://")
