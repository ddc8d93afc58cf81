"""`i5g stack` settings: `I5G_STACK_*` or the `[stack]` table of the config file.

Everything listens on 127.0.0.1. The default ports stay clear of the usual ones (1883, 8086, 8000) so the
demo does not collide with a broker or database already running on the machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from i5g.settings import I5GSettings

# The checkout this package runs from (make demo installs it editable): seeds/ and deploy/ live there.
REPO_ROOT = Path(__file__).resolve().parents[1]


class StackSettings(I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_STACK_", extra="forbid", env_nested_delimiter="__")
    config_section: ClassVar[str | None] = "stack"

    state_dir: Path = Path(".i5g/stack")  # data, config, secrets, logs and pid files: delete it to start over
    mqtt_port: int = Field(11883, ge=1, le=65535)
    # Set to add a TLS listener with a private CA made in <state_dir>/tls (clients trust tls/ca.crt).
    mqtt_tls_port: int | None = Field(None, ge=1, le=65535)
    influx_port: int = Field(18086, ge=1, le=65535)
    influx_v2_port: int = Field(18087, ge=1, le=65535)  # /api/v2/write proxy in front of InfluxDB 1.x
    registry_port: int = Field(8000, ge=1, le=65535)  # issues 2 and 4: the demo catalog is at :8000
    collector_metrics_port: int = Field(19108, ge=1, le=65535)

    rate_hz: float = Field(1.0, gt=0, le=100)  # samples per second per simulated gateway
    max_gateways: int | None = Field(None, ge=1)  # None: one per approved seeded use case
    seeds_dir: Path = REPO_ROOT / "registry" / "seeding" / "catalog"  # the packaged catalog (seeds/ links here)
    mosquitto_policy_dir: Path = REPO_ROOT / "deploy" / "mosquitto" / "conf.d"
    start_timeout_s: float = Field(90.0, gt=0)
    # The evidence rollup job (`i5g evidence rollup --follow`, docs/evidence.md): a minute is rolled once it is
    # rollup_settle_s old, a run every rollup_interval_s. Short in the demo, so its long windows read rollups soon.
    rollup_settle_s: float = Field(60.0, ge=5)
    rollup_interval_s: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _distinct_ports(self) -> StackSettings:
        ports = self.ports()
        clashes = sorted({port for port in ports.values() if list(ports.values()).count(port) > 1})
        if clashes:
            raise ValueError(f"two parts cannot share port {clashes[0]}")
        return self

    def ports(self) -> dict[str, int]:
        tls = {"mosquitto-tls": self.mqtt_tls_port} if self.mqtt_tls_port else {}
        return {
            **tls,
            "mosquitto": self.mqtt_port,
            "influxdb": self.influx_port,
            "influx-v2-proxy": self.influx_v2_port,
            "registry": self.registry_port,
            "collector": self.collector_metrics_port,
        }
