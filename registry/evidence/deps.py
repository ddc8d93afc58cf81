"""FastAPI dependency for the evidence settings, shared by the REST API and the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from registry.evidence.settings import EvidenceSettings


def evidence_settings(request: Request) -> EvidenceSettings:
    """Loaded once per app (tests set app.state.evidence_settings to point at their own InfluxDB)."""
    settings = getattr(request.app.state, "evidence_settings", None)
    if settings is None:
        settings = EvidenceSettings.load()
        request.app.state.evidence_settings = settings
    return settings


EvidenceSettingsDep = Annotated[EvidenceSettings, Depends(evidence_settings)]
