"""Compliance columns for the case collections (CSV / JSON exports): the window is named in every column header
(e.g. `availability_pct_24h`), so a sheet read months later still says what the figures cover."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from registry.evidence import service
from registry.evidence.schemas import FleetRow, WindowName
from registry.evidence.settings import EvidenceSettings

TELEMETRY_UNAVAILABLE = "telemetry_unavailable"


def columns(window: WindowName) -> tuple[str, ...]:
    return (
        f"compliance_{window}",
        f"availability_pct_{window}",
        "availability_target_pct",
        f"no_data_pct_{window}",
        f"gateways_online_{window}",
    )


def compliance_word(compliant: bool | None) -> str:
    return {True: "meets", False: "does_not_meet", None: "no_data"}[compliant]


@dataclass(frozen=True)
class ComplianceTable:
    """Figures per use case id for one window; `unavailable` when InfluxDB could not be read."""

    window: WindowName
    rows: dict[int, FleetRow]
    unavailable: bool = False

    def cells(self, use_case_id: int) -> tuple[Any, ...]:
        if self.unavailable:
            return (TELEMETRY_UNAVAILABLE, None, None, None, None)
        row = self.rows.get(use_case_id)
        if row is None:
            return ("no_data", None, None, None, None)
        return (
            compliance_word(row.compliant),
            row.availability_pct,
            row.availability_target_pct,
            row.no_data_pct,
            f"{row.gateways_online}/{row.gateways_total}",
        )

    def json_fields(self, use_case_id: int) -> dict[str, Any]:
        return dict(zip(columns(self.window), self.cells(use_case_id), strict=True))


def compliance_table(
    session: Session, use_case_ids: Iterable[int], window: WindowName, settings: EvidenceSettings
) -> ComplianceTable:
    """One fleet computation over the window for every exported use case (visibility is the export's own)."""
    wanted = set(use_case_ids)
    if not wanted:
        return ComplianceTable(window, {})
    spec = service.parse_window(window, settings=settings)
    try:
        fleet = service.fleet_evidence(session, service.FleetFilters(approved_only=False), spec, settings=settings)
    except service.TelemetryUnavailable:
        return ComplianceTable(window, {}, unavailable=True)
    return ComplianceTable(window, {row.use_case_id: row for row in fleet.rows if row.use_case_id in wanted})
