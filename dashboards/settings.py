"""Dashboards settings: environment variables `I5G_DASHBOARDS_*` or the `[dashboards]` table of a TOML file.
Command-line options of `i5g dashboards push` override them."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from i5g.contract import DATABASE_DEFAULT
from i5g.grafana import FOLDER_TITLE
from i5g.settings import I5GSettings


class DashboardsSettings(I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_DASHBOARDS_", extra="forbid", env_nested_delimiter="__")
    config_section: ClassVar[str | None] = "dashboards"

    grafana_url: str = "http://127.0.0.1:3000"
    # A Grafana service-account token (Editor on the folder and datasources is enough).
    grafana_token: SecretStr | None = None
    folder: str = Field(FOLDER_TITLE, min_length=1, max_length=120)
    timeout_s: float = Field(10.0, gt=0, le=300)

    # What the datasource Grafana queries points at (as Grafana's server sees it).
    influx_url: str = "http://127.0.0.1:8086"
    influx_database: str = DATABASE_DEFAULT
    # InfluxDB 2.x/3.x: a token Grafana sends as `Authorization: Token ...` (the database then needs a DBRP
    # mapping to the bucket, see deploy/grafana/README.md). Empty for InfluxDB 1.x without authentication.
    influx_token: SecretStr | None = None
    # InfluxDB 1.x with authentication (the stack's and compose's): a read-only user, sent as basic auth.
    influx_username: str | None = None
    influx_password: SecretStr | None = None
