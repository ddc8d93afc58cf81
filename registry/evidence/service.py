"""Entry points for deployment evidence: the REST API (api.py) and the pages call these.

Nothing here opens a transaction: the caller passes its session. InfluxDB is read through `EvidenceSource`
(influx.py); when it cannot be reached every function raises `TelemetryUnavailable`, which the API answers with
503 and the pages show as "telemetry unavailable" - the registry itself never depends on InfluxDB being up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from registry.evidence.errors import TelemetryUnavailable, WindowInvalid
from registry.evidence.schemas import FleetEvidence, UseCaseEvidence, WindowName, WindowSpec
from registry.evidence.settings import EvidenceSettings
from registry.usecases.models import UseCase

NAMED_WINDOWS: dict[str, timedelta] = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
CARD_WINDOWS: tuple[WindowName, ...] = ("24h", "7d", "30d")

__all__ = ["TelemetryUnavailable", "WindowInvalid", "FleetFilters", "parse_window", "use_case_evidence",
           "compliance_card", "fleet_evidence"]




@dataclass(frozen=True)
class FleetFilters:
    city: str | None = None
    industry: str | None = None
    scenario: str | None = None
    # Which use cases the caller may see (registry/usecases rules): anonymous and non-staff callers see approved
    # ones; `enterprise_id` adds that enterprise's own unapproved use cases (a signed-in enterprise user).
    approved_only: bool = True
    enterprise_id: int | None = None


def parse_window(
    window: str | None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    settings: EvidenceSettings,
    now: datetime | None = None,
    rollups_available: bool = True,
) -> WindowSpec:
    """`window` (24h, 7d, 30d) or `start`/`end`; raises WindowInvalid with a message naming what is allowed."""
    raise NotImplementedError


def use_case_evidence(
    session: Session, use_case: UseCase, window: WindowSpec, *, settings: EvidenceSettings
) -> UseCaseEvidence:
    """Evidence of one use case (visibility is the caller's business). Raises TelemetryUnavailable."""
    raise NotImplementedError


def compliance_card(
    session: Session, use_case: UseCase, *, settings: EvidenceSettings, now: datetime | None = None
) -> dict[WindowName, UseCaseEvidence]:
    """Evidence for 24h, 7d and 30d (the use-case page's card). Raises TelemetryUnavailable."""
    raise NotImplementedError


def fleet_evidence(
    session: Session, filters: FleetFilters, window: WindowSpec, *, settings: EvidenceSettings
) -> FleetEvidence:
    """Every visible use case with its compliance over the window, worst first. Raises TelemetryUnavailable."""
    raise NotImplementedError


def utcnow() -> datetime:
    return datetime.now(UTC)
