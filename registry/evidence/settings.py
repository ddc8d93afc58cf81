"""Where evidence reads telemetry and how it interprets it: I5G_EVIDENCE_* variables or the [evidence] table."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from i5g.contract import DATABASE_DEFAULT, ROLLUP_RETENTION_POLICY
from i5g.settings import I5GSettings


class EvidenceSettings(I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_EVIDENCE_", extra="forbid")
    config_section: ClassVar[str | None] = "evidence"

    # InfluxQL over HTTP /query: InfluxDB 1.x, 2.x (DBRP mapping / v1 compatibility) or 3.x (v1 query API).
    influx_url: str = "http://127.0.0.1:8086"
    database: str = DATABASE_DEFAULT
    # 1.x / v1-compatibility authentication: user + password, or a token (2.x/3.x: sent as "Token <token>").
    username: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None
    # Short: a page must not hang because InfluxDB does; it shows "telemetry unavailable" instead.
    connect_timeout_s: float = Field(1.0, gt=0, le=60)
    timeout_s: float = Field(5.0, gt=0, le=300)

    # Retention: raw samples (the database's default policy) and the 1-minute rollups.
    raw_retention_policy: str = "autogen"
    raw_retention_days: int = Field(30, ge=1, le=3650)
    rollup_retention_policy: str = ROLLUP_RETENTION_POLICY
    rollup_retention_days: int = Field(3650, ge=1, le=36500)
    # Create/alter both retention policies (InfluxDB 1.x) when the rollup job starts.
    manage_retention_policies: bool = True

    # How samples are interpreted (docs/evidence.md): a sample stands for the time until the next one, but for at
    # most no_data_after_s; beyond that the gateway's time counts as "no data". Default: 3 x the agent's 1 s.
    no_data_after_s: float = Field(3.0, gt=0, le=86_400)

    # Rollup job: minutes younger than settle_s are not rolled yet (their last sample's span is not known); every
    # run re-rolls lookback_h before the checkpoint so late data (a spool draining hours later) is counted.
    rollup_settle_s: float = Field(120.0, ge=0)
    rollup_lookback_h: float = Field(6.0, ge=0, le=24 * 30)
    rollup_chunk_minutes: int = Field(60, ge=1, le=24 * 60)
    rollup_interval_s: float = Field(60.0, gt=0)  # `i5g evidence rollup --follow`: pause between runs

    # Charts: about this many points per series, whatever the window.
    chart_points: int = Field(96, ge=8, le=2000)
    worst_periods: int = Field(5, ge=1, le=100)
