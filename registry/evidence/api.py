"""REST: GET /api/v1/usecases/{id}/evidence and GET /api/v1/evidence (fleet list, worst first).

The same visibility as the use case itself: anonymous and non-staff callers see approved use cases only (a
use case they may not see is a 404, as for GET /usecases/{id}). InfluxDB down: 503 `telemetry_unavailable`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from registry.auth.deps import OptionalPrincipal, sees_everything
from registry.db_session import SessionDep
from registry.evidence import service
from registry.evidence.deps import EvidenceSettingsDep
from registry.evidence.schemas import FleetEvidence, UseCaseEvidence
from registry.usecases import service as usecases

router = APIRouter(tags=["evidence"])

_UNAVAILABLE = {
    503: {"description": "telemetry unavailable: InfluxDB cannot be reached (error code telemetry_unavailable)"}
}

WindowParam = Annotated[
    str | None,
    Query(max_length=20, description="24h, 7d or 30d (default 24h); or give from and to instead"),
]
FromParam = Annotated[datetime | None, Query(alias="from", description="ISO 8601 start (UTC if no offset)")]
ToParam = Annotated[datetime | None, Query(alias="to", description="ISO 8601 end (UTC if no offset)")]


@router.get(
    "/usecases/{use_case_id}/evidence",
    response_model=UseCaseEvidence,
    summary="Deployment evidence of a use case: availability (3GPP TS 22.104) and KPI percentiles vs its profile",
    responses=_UNAVAILABLE,
)
def use_case_evidence(
    session: SessionDep,
    principal: OptionalPrincipal,
    settings: EvidenceSettingsDep,
    use_case_id: int,
    window: WindowParam = None,
    start: FromParam = None,
    end: ToParam = None,
) -> UseCaseEvidence:
    use_case = usecases.get_use_case(session, use_case_id, approved_only=not sees_everything(principal))
    spec = service.parse_window(window, start, end, settings=settings)
    return service.use_case_evidence(session, use_case, spec, settings=settings)


@router.get(
    "/evidence",
    response_model=FleetEvidence,
    summary="Fleet health: every visible use case with compliance over the window, worst first",
    responses=_UNAVAILABLE,
)
def fleet_evidence(
    session: SessionDep,
    principal: OptionalPrincipal,
    settings: EvidenceSettingsDep,
    city: Annotated[str | None, Query(max_length=100)] = None,
    industry: Annotated[
        str | None,
        Query(
            max_length=100,
            description="GB/T 4754-2017 division code as on the fleet page (e.g. C36), or a document's wording"
            " (汽车及零部件: the division it belongs to, so 汽车零部件 is found too; a wording that spans several"
            " divisions, e.g. 装备制造, matches only enterprises given exactly that wording). An unknown code: 422.",
        ),
    ] = None,
    scenario: Annotated[str | None, Query(max_length=64)] = None,
    window: WindowParam = None,
    start: FromParam = None,
    end: ToParam = None,
) -> FleetEvidence:
    service.check_industry(industry)
    spec = service.parse_window(window, start, end, settings=settings)
    filters = service.FleetFilters(
        city=city, industry=industry, scenario=scenario, approved_only=not sees_everything(principal)
    )
    return service.fleet_evidence(session, filters, spec, settings=settings)
