"""Collector settings: environment variables `I5G_COLLECTOR_*` or the `[collector]` table of a TOML file."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from i5g.contract import DATABASE_DEFAULT
from i5g.settings import I5GSettings


def _default_replica() -> str:
    # A StatefulSet pod or a host keeps its name across restarts, which keeps the MQTT session (client id).
    return socket.gethostname().split(".")[0].lower() or "0"


class CollectorSettings(I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_COLLECTOR_", extra="forbid", env_nested_delimiter="__")
    config_section: ClassVar[str | None] = "collector"

    # identity: the MQTT client id is derived from it and must stay the same across restarts of one replica
    replica: str = Field(default_factory=_default_replica, min_length=1, max_length=40)
    state_dir: Path = Path(".i5g/collector")

    # MQTT intake
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = Field(1883, ge=1, le=65535)
    mqtt_username: str | None = None
    mqtt_password: SecretStr | None = None
    mqtt_tls: bool = False
    mqtt_ca_file: Path | None = None
    share_group: str = Field("i5g-collectors", pattern=r"^[A-Za-z0-9_-]+$")
    session_expiry_s: int = Field(7 * 24 * 3600, ge=60)  # how long the broker keeps our queue while we are away
    receive_maximum: int = Field(2000, ge=1, le=65535)  # unacknowledged messages the broker may send us
    keepalive_s: int = Field(30, ge=5, le=600)
    # The intake's fast paths read paho internals (collector/intake_client.py); false forces paho's public paths.
    paho_fast_paths: bool = True

    # InfluxDB (v2 write API; 1.8+, 2.x and 3.x accept it)
    influx_url: str = "http://127.0.0.1:8086"
    influx_token: SecretStr = SecretStr("")
    influx_org: str = "i5g"
    influx_bucket: str = DATABASE_DEFAULT
    batch_max_lines: int = Field(5000, ge=1, le=5000)
    flush_interval_ms: int = Field(200, ge=1, le=60_000)
    write_timeout_ms: int = Field(10_000, ge=100)
    retry_initial_ms: int = Field(200, ge=1)
    retry_max_ms: int = Field(10_000, ge=1)

    # registry (enrichment, status)
    registry_url: str = "http://127.0.0.1:8000"
    registry_token: SecretStr = SecretStr("")
    directory_refresh_s: float = Field(30.0, gt=0)
    directory_forced_refresh_min_s: float = Field(5.0, ge=0)  # rate limit of refreshes an unknown gateway causes
    registry_timeout_s: float = Field(5.0, gt=0)
    status_push_interval_s: float = Field(5.0, gt=0)

    # Sparkplug B edge nodes (docs/interop.md)
    # Check that every node's seq runs on without a gap. Data arrives through the shared subscription, so with
    # more than one replica each sees only part of a node's stream: turn it off there (births, aliases and
    # online status still work on every replica).
    sparkplug_seq_check: bool = True
    sparkplug_rebirth_min_s: float = Field(5.0, ge=0)  # at most one rebirth request per node per this

    # own metrics
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(9108, ge=0, le=65535)  # 0 picks a free port (tests)
    metrics_interval_s: float = Field(10.0, gt=0)  # how often the `collector` measurement is written

    log_level: str = "INFO"

    @field_validator("replica")
    @classmethod
    def _replica_is_simple(cls, value: str) -> str:
        if not all(ch.isalnum() or ch in "-_." for ch in value):
            raise ValueError("use letters, digits, '-', '_' or '.'")
        return value

    @property
    def client_id(self) -> str:
        return f"i5g-collector-{self.replica}"

    @property
    def sparkplug_state_path(self) -> Path:
        return self.state_dir / "sparkplug_sessions.json"

    @property
    def directory_cache_path(self) -> Path:
        return self.state_dir / "directory.json"
