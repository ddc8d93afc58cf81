"""The evaluator and its notifications: I5G_ALERTS_* variables or the [alerts] table (docs/alerts.md)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from i5g.alert_rules import DEFAULTS
from i5g.settings import I5GSettings


class AlertSettings(I5GSettings):
    model_config = SettingsConfigDict(env_prefix="I5G_ALERTS_", extra="forbid")
    config_section: ClassVar[str | None] = "alerts"

    # Evaluation: one replica holds the lease (a row in the registry database) and evaluates every interval_s;
    # the others retry the lease each interval and take over once it has expired (lease_ttl_s after the
    # holder's last renewal).
    interval_s: float = Field(15.0, gt=0, le=3600)
    lease_ttl_s: float = Field(45.0, gt=0, le=3600)

    # Defaults of the rules made from each use case's scenario profile (owners and staff change them per rule);
    # their meaning and default values: i5g/alert_rules.py `Durations`.
    availability_window_s: int = Field(DEFAULTS.availability_window_s, ge=60, le=30 * 86400)
    kpi_for_s: float = Field(DEFAULTS.kpi_for_s, ge=0)
    offline_for_s: float = Field(DEFAULTS.offline_for_s, ge=0)
    no_data_for_s: float = Field(DEFAULTS.no_data_for_s, ge=0)
    dead_letter_window_s: int = Field(DEFAULTS.dead_letter_window_s, ge=60, le=86400)
    dead_letter_threshold: float = Field(DEFAULTS.dead_letter_threshold, ge=0)
    spool_window_s: int = Field(DEFAULTS.spool_window_s, ge=60, le=86400)
    spool_dropped_threshold: float = Field(DEFAULTS.spool_dropped_threshold, ge=0)

    # Delivery from the outbox: attempt n (1-based) failing waits retry_base_s * 2^(n-1), at most retry_max_s;
    # after max_attempts the notification is marked failed (kept and shown with its error, never dropped).
    max_attempts: int = Field(6, ge=1, le=50)
    retry_base_s: float = Field(10.0, gt=0)
    retry_max_s: float = Field(900.0, gt=0)
    send_timeout_s: float = Field(5.0, gt=0, le=60)
    dispatch_interval_s: float = Field(2.0, gt=0, le=600)
    # Channel URLs are user input: http/https only, and by default only to public addresses (a channel cannot
    # make the evaluator call the registry's own network). Tests and private deployments allow private hosts.
    allow_private_targets: bool = False
    # Link in messages back to the registry's alert page, e.g. https://registry.example.cn
    public_url: str = ""

    # E-mail over SMTP (channel kind "email"): STARTTLS when the server offers it and smtp_starttls is true.
    smtp_host: str = ""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_sender: str = "i5g-alerts@localhost"
