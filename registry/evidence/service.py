"""Entry points for deployment evidence: the REST API (api.py) and the pages call these.

Nothing here opens a transaction: the caller passes its session. InfluxDB is read through `EvidenceSource`
(influx.py); when it cannot be reached every function raises `TelemetryUnavailable`, which the API answers with
503 and the pages show as "telemetry unavailable" - the registry itself never depends on InfluxDB being up.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import Session

from registry.enterprises import industry_class
from registry.enterprises.models import Enterprise
from registry.enums import ReviewStatus
from registry.evidence import compute
from registry.evidence.errors import FilterInvalid, TelemetryUnavailable, WindowInvalid
from registry.evidence.influx import InfluxClient
from registry.evidence.schemas import (
    FleetEvidence,
    FleetRow,
    GatewayEvidence,
    KpiEvidence,
    KpiPoint,
    KpiSeries,
    TimelineSegment,
    UseCaseEvidence,
    WindowName,
    WindowSpec,
    WorstPeriod,
)
from registry.evidence.settings import EvidenceSettings
from registry.evidence.store import Collected, bucket_origin, collect
from registry.gateways.models import Gateway
from registry.usecases.models import UseCase

_CODE_SHAPE = re.compile(r"[A-Za-z][0-9]{2}")
NAMED_WINDOWS: dict[str, timedelta] = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
CARD_WINDOWS: tuple[WindowName, ...] = ("24h", "7d", "30d")
# Chart buckets longer than this many minutes are whole days (30 days: 31 points, read from the daily rows; a
# bucket of 5 to 23 hours would need the 24x more numerous hourly rows).
DAY_BUCKETS_FROM_MIN = 4 * 60
# Buckets longer than this are whole hours (24 h: 24 points from 240 hourly rows for 10 gateways, instead of 96
# points from 14,400 minute rows, which take seconds to read and sum).
HOUR_BUCKETS_FROM_MIN = 10

__all__ = [
    "FleetFilters",
    "TelemetryUnavailable",
    "WindowInvalid",
    "compliance_card",
    "fleet_evidence",
    "parse_window",
    "use_case_evidence",
]


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
    """`window` (24h, 7d, 30d) or `start`/`end`; raises WindowInvalid with a message naming what is allowed.

    Both ends are rounded down to the minute (evidence is computed per whole minute). `rollups_available` False:
    a window reaching beyond raw retention is refused here already (otherwise `use_case_evidence` checks the
    rollups' coverage)."""
    now = _minute(now or utcnow())
    allowed = "allowed: window=24h, 7d or 30d, or from=...&to=... (ISO 8601, from before to, to not in the future)"
    if start is not None or end is not None:
        if window not in (None, "custom"):
            raise WindowInvalid(f"give either window or from/to, not both; {allowed}")
        if start is None or end is None:
            raise WindowInvalid(f"from and to go together; {allowed}")
        start, end = _minute(_utc(start)), _minute(_utc(end))
        if end > now:
            end = now
        if start >= end:
            raise WindowInvalid(f"from must be before to (at least one whole minute apart, in the past); {allowed}")
        spec = WindowSpec(name="custom", start=start, end=end)
    else:
        name = window or "24h"
        if name not in NAMED_WINDOWS:
            raise WindowInvalid(f"unknown window {name[:20]!r}; {allowed}")
        spec = WindowSpec(name=name, start=now - NAMED_WINDOWS[name], end=now)  # type: ignore[arg-type]
    oldest = now - timedelta(days=settings.raw_retention_days)
    if not rollups_available and spec.start < oldest:
        raise WindowInvalid(
            f"the window starts before raw retention ({settings.raw_retention_days} d) and no rollups exist; {allowed}"
        )
    return spec


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def bucket_ms_for(window: WindowSpec, chart_points: int) -> int:
    """Chart bucket: a whole number of minutes giving at most about chart_points buckets."""
    minutes = max(1, math.ceil(window.seconds / 60 / chart_points))
    if minutes > DAY_BUCKETS_FROM_MIN:  # whole days: the longest windows read the daily rollup rows
        return math.ceil(minutes / 1440) * 1440 * compute.MINUTE_MS
    if minutes > HOUR_BUCKETS_FROM_MIN:  # whole hours: windows from a day read the hourly rollup rows
        minutes = math.ceil(minutes / 60) * 60
    return minutes * compute.MINUTE_MS


def use_case_evidence(
    session: Session, use_case: UseCase, window: WindowSpec, *, settings: EvidenceSettings
) -> UseCaseEvidence:
    """Evidence of one use case (visibility is the caller's business). Raises TelemetryUnavailable, and
    WindowInvalid when the window needs raw samples older than raw retention that no rollup covers."""
    profile = compute.profile_of(use_case.scenario_key)
    start, end = _ms(window.start), _ms(window.end)
    bucket_ms = bucket_ms_for(window, settings.chart_points)
    key = str(use_case.id)
    with InfluxClient(settings) as client:
        collected = collect(
            client,
            start,
            end,
            bucket_ms=bucket_ms,
            use_cases=[key],
            profiles={key: profile},
            now_ms=_ms(utcnow()),
            worst=settings.worst_periods,
        )
    registered = [gateway.id for gateway in use_case.gateways]
    return summarise(use_case.id, profile, window, collected, registered, bucket_ms, settings.worst_periods)


def summarise(
    use_case_id: int,
    profile: compute.Profile,
    window: WindowSpec,
    collected: Collected,
    registered_gateways: list[str],
    bucket_ms: int,
    worst: int = 5,
) -> UseCaseEvidence:
    """UseCaseEvidence from collected figures (pure: the tests compare raw and rollup results through it)."""
    start, end = _ms(window.start), _ms(window.end)
    span = end - start
    key = str(use_case_id)
    per_gateway = {gw: buckets for (uc, gw), buckets in collected.buckets.items() if uc == key}
    gateway_ids = sorted({*registered_gateways, *per_gateway})
    gateway_totals = {gateway: compute.totals(per_gateway.get(gateway, {}).values()) for gateway in gateway_ids}
    total = compute.totals(gateway_totals.values())
    by_bucket = _per_bucket(per_gateway)
    shares = compute.availability(total, span * max(1, len(gateway_ids)), profile.availability_target_pct)
    gateways = []
    for gateway in gateway_ids:
        gateway_total = gateway_totals[gateway]
        gateway_shares = compute.availability(gateway_total, span, None)
        last = collected.last_ts.get((key, gateway), 0)
        gateways.append(
            GatewayEvidence(
                gateway_id=gateway,
                samples=gateway_total.samples,
                availability_pct=gateway_shares.availability_pct,
                no_data_pct=gateway_shares.no_data_pct,
                online_pct=compute.pct(gateway_total.online_ms, span) if gateway_total.status_ms else None,
                last_sample=_dt(last) if last else None,
                dead_letters=gateway_total.dead_letters,
                kpis=kpi_evidence(profile, gateway_total),
            )
        )
    periods = compute.unavailable_periods(a for (uc, _), a in collected.unavailable if uc == key)
    return UseCaseEvidence(
        use_case_id=use_case_id,
        scenario=profile.scenario,
        window=window.name,
        start=window.start,
        end=window.end,
        samples=total.samples,
        availability_pct=shares.availability_pct,
        available_pct=shares.available_pct,
        unavailable_pct=shares.unavailable_pct,
        availability_target_pct=profile.availability_target_pct,
        no_data_pct=shares.no_data_pct,
        compliant=shares.compliant,
        kpis=kpi_evidence(profile, total),
        gateways=gateways,
        worst_periods=[
            WorstPeriod(start=_dt(p.start), end=_dt(p.end), kpi=p.kpi, gateway_id=p.gateway) for p in periods[:worst]
        ],
        series=_series(profile, by_bucket, start, end, bucket_ms),
        timeline=_timeline(by_bucket, max(1, len(gateway_ids)), start, end, bucket_ms),
        source=_source(collected),
    )


def _source(collected: Collected) -> str:
    if collected.sources == {"raw", "rollup"}:
        return "mixed"
    return next(iter(collected.sources), "none")


def kpi_evidence(profile: compute.Profile, total: compute.MinuteAggregate) -> list[KpiEvidence]:
    items = []
    for bound in profile.bounds:
        kpi = total.kpis.get(bound.kpi, compute.KpiAggregate())
        p50, p95, p99 = compute.quantiles(kpi.hist, bound.direction)
        items.append(
            KpiEvidence(
                kpi=bound.kpi,
                metric=bound.metric,
                bound=bound.value,
                direction=bound.direction,  # type: ignore[arg-type]
                unit=bound.unit,
                samples=kpi.n,
                p50=p50,
                p95=p95,
                p99=p99,
                within_bound_pct=compute.pct(kpi.ok, kpi.n),
            )
        )
    return items


def _bucket_starts(start: int, end: int, bucket_ms: int) -> list[int]:
    return list(range(bucket_origin(start, bucket_ms), end, bucket_ms))


def _per_bucket(per_gateway: dict[str, dict[int, compute.MinuteAggregate]]) -> dict[int, compute.MinuteAggregate]:
    result: dict[int, compute.MinuteAggregate] = {}
    for buckets in per_gateway.values():
        for bucket, aggregate in buckets.items():
            compute.merge(result.setdefault(bucket, compute.totals()), aggregate)
    return result


def _series(
    profile: compute.Profile, by_bucket: dict[int, compute.MinuteAggregate], start: int, end: int, bucket_ms: int
) -> list[KpiSeries]:
    series = []
    for bound in profile.bounds:
        points = []
        for bucket in _bucket_starts(start, end, bucket_ms):
            kpi = by_bucket.get(bucket, compute.totals()).kpis.get(bound.kpi, compute.KpiAggregate())
            p50, p95, _ = compute.quantiles(kpi.hist, bound.direction)
            points.append(
                KpiPoint(
                    start=_dt(max(start, bucket)),
                    end=_dt(min(end, bucket + bucket_ms)),
                    samples=kpi.n,
                    p50=p50,
                    p95=p95,
                )
            )
        series.append(
            KpiSeries(kpi=bound.kpi, bound=bound.value, direction=bound.direction, unit=bound.unit, points=points)  # type: ignore[arg-type]
        )
    return series


def _timeline(
    by_bucket: dict[int, compute.MinuteAggregate], gateways: int, start: int, end: int, bucket_ms: int
) -> list[TimelineSegment]:
    segments: list[TimelineSegment] = []
    for bucket in _bucket_starts(start, end, bucket_ms):
        bucket_start, bucket_end = max(start, bucket), min(end, bucket + bucket_ms)
        total = by_bucket.get(bucket, compute.totals())
        state = compute.timeline_state(total.avail_ms, total.unavail_ms, (bucket_end - bucket_start) * gateways)
        if segments and segments[-1].state == state:
            segments[-1].end = _dt(bucket_end)
        else:
            segments.append(TimelineSegment(start=_dt(bucket_start), end=_dt(bucket_end), state=state))  # type: ignore[arg-type]
    return segments


def compliance_card(
    session: Session, use_case: UseCase, *, settings: EvidenceSettings, now: datetime | None = None
) -> dict[WindowName, UseCaseEvidence]:
    """Evidence for 24h, 7d and 30d (the use-case page's card). Raises TelemetryUnavailable; a window that cannot
    be covered (WindowInvalid) is left out."""
    card: dict[WindowName, UseCaseEvidence] = {}
    for name in CARD_WINDOWS:
        window = parse_window(name, settings=settings, now=now)
        try:
            card[name] = use_case_evidence(session, use_case, window, settings=settings)
        except WindowInvalid:
            continue
    return card


def industry_code_of(industry: str) -> str | None:
    """The GB/T 4754-2017 division an industry filter means: a division code (C36, any case), or a document
    wording with one division (汽车及零部件 -> C36, so it finds 汽车零部件 too); None: match the wording as given."""
    value = industry.strip()
    if _CODE_SHAPE.fullmatch(value):
        return value.upper()
    return industry_class.code_for_wording(value)


def check_industry(industry: str | None) -> None:
    """Raises FilterInvalid for a code that is no known division (an unknown wording simply matches nothing)."""
    code = industry_code_of(industry) if industry else None
    if code is not None and industry_class.get(code) is None:
        raise FilterInvalid(f"industry: {industry_class.code_problem(code)}")


def _visible(stmt: Select[Any], filters: FleetFilters) -> Select[Any]:
    """`stmt` (joining UseCase and Enterprise) limited to the use cases the caller may see, by the registry's
    rules (approved; plus an enterprise's own), and to the filters."""
    if filters.approved_only:
        visible = UseCase.review_status == ReviewStatus.approved
        if filters.enterprise_id is not None:
            visible = or_(visible, UseCase.enterprise_id == filters.enterprise_id)
        stmt = stmt.where(visible)
    if filters.city:
        stmt = stmt.where(Enterprise.city == filters.city)
    if filters.industry:
        code = industry_code_of(filters.industry)
        stmt = stmt.where(Enterprise.industry_code == code if code else Enterprise.industry == filters.industry)
    if filters.scenario:
        stmt = stmt.where(UseCase.scenario_key == filters.scenario)
    return stmt


def visible_use_cases(session: Session, filters: FleetFilters) -> list[Row[Any]]:
    """The visible use cases as plain rows (a thousand ORM objects with their relationships cost more than the
    telemetry query), and `gateways`: use case id -> [(gateway id, online)]."""
    columns = (
        UseCase.id,
        UseCase.title,
        UseCase.scenario_key,
        Enterprise.id.label("enterprise_id"),
        Enterprise.name.label("enterprise"),
        Enterprise.city,
        Enterprise.industry,
        Enterprise.industry_code,
    )
    return list(session.execute(_visible(select(*columns).join(UseCase.enterprise), filters).order_by(UseCase.id)))


def _gateways_of(session: Session, filters: FleetFilters) -> dict[int, list[tuple[str, bool]]]:
    stmt = select(Gateway.use_case_id, Gateway.id, Gateway.online).join(UseCase, Gateway.use_case_id == UseCase.id)
    gateways: dict[int, list[tuple[str, bool]]] = {}
    for use_case_id, gateway_id, online in session.execute(_visible(stmt.join(UseCase.enterprise), filters)):
        gateways.setdefault(use_case_id, []).append((gateway_id, bool(online)))
    return gateways


def fleet_evidence(
    session: Session, filters: FleetFilters, window: WindowSpec, *, settings: EvidenceSettings
) -> FleetEvidence:
    """Every visible use case with its compliance over the window, worst first. Raises TelemetryUnavailable."""
    use_cases = visible_use_cases(session, filters)
    registered = _gateways_of(session, filters)
    start, end = _ms(window.start), _ms(window.end)
    span = end - start
    by_scenario = {key: compute.profile_of(key) for key in {uc.scenario_key for uc in use_cases}}
    profiles = {str(uc.id): by_scenario[uc.scenario_key] for uc in use_cases}
    # One bucket for the whole window and no use-case filter: a single pass over all telemetry.
    with InfluxClient(settings) as client:
        collected = collect(
            client,
            start,
            end,
            bucket_ms=span,
            use_cases=None,
            profiles=profiles,
            now_ms=_ms(utcnow()),
            overview=True,
        )
    start, end = collected.covered or (start, end)
    span = end - start
    by_use_case: dict[str, list[compute.MinuteAggregate]] = {}
    seen: dict[str, set[str]] = {}
    last: dict[str, int] = {}
    for (uc, gw), buckets in collected.buckets.items():
        by_use_case.setdefault(uc, []).extend(buckets.values())
        seen.setdefault(uc, set()).add(gw)
    for (uc, _gw), ts in collected.last_ts.items():
        last[uc] = max(last.get(uc, 0), ts)
    rows = []
    for use_case in use_cases:
        key = str(use_case.id)
        own = registered.get(use_case.id, [])
        gateways = {gateway_id for gateway_id, _ in own} | seen.get(key, set())
        total = compute.totals(by_use_case.get(key, []))
        shares = compute.availability(total, span * max(1, len(gateways)), profiles[key].availability_target_pct)
        rows.append(
            FleetRow(
                use_case_id=use_case.id,
                title=use_case.title,
                enterprise=use_case.enterprise,
                enterprise_id=use_case.enterprise_id,
                city=use_case.city,
                industry=use_case.industry,
                industry_code=use_case.industry_code,
                scenario=use_case.scenario_key,
                compliant=shares.compliant,
                availability_pct=shares.availability_pct,
                availability_target_pct=profiles[key].availability_target_pct,
                no_data_pct=shares.no_data_pct,
                gateways_online=sum(1 for _, online in own if online),
                gateways_total=len(own),
                last_data=_dt(last[key]) if key in last else None,
            )
        )
    rows.sort(key=_worst_first)
    # The overview ends where the rollups do (see store.collect): say so rather than pretend to cover the rest.
    return FleetEvidence(window=window.name, start=_dt(start), end=_dt(end), rows=rows)


def _worst_first(row: FleetRow) -> tuple[int, float, int]:
    rank = {False: 0, None: 1, True: 2}[row.compliant]
    return rank, row.availability_pct if row.availability_pct is not None else -1.0, row.use_case_id


def utcnow() -> datetime:
    return datetime.now(UTC)
