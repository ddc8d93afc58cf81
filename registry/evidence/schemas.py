"""The public shape of deployment evidence: the REST API returns these and the pages render them.

Names are stable (the UI builds on them): add fields, never rename.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

WindowName = Literal["24h", "7d", "30d", "custom"]
TimelineState = Literal["available", "unavailable", "no_data"]
Direction = Literal["max", "min"]


class WindowSpec(BaseModel):
    """The time range evidence covers: a named window ending now, or explicit from/to (UTC, aligned to the
    minute: `from` rounded down, `to` rounded down)."""

    name: WindowName
    start: datetime = Field(description="inclusive, UTC")
    end: datetime = Field(description="exclusive, UTC")

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


class KpiEvidence(BaseModel):
    """One bound of the scenario profile against what the samples show.

    For a "max" bound p50/p95/p99 are the 50th/95th/99th percentiles; for a "min" bound they are the 50th/5th/1st
    percentiles, i.e. the value that 95 % (99 %) of samples are at least as good as. Percentiles are read from a
    log-bucket sketch with 1 % relative accuracy (docs/evidence.md), so raw and rollup figures are identical."""

    kpi: str
    metric: str = Field(description="the profile's own name of the figure, e.g. latency_ms for kpi rtt_ms")
    bound: float
    direction: Direction
    unit: str
    samples: int
    p50: float | None
    p95: float | None
    p99: float | None
    within_bound_pct: float | None = Field(description="share of samples carrying this KPI that met the bound")


class GatewayEvidence(BaseModel):
    gateway_id: str
    samples: int
    availability_pct: float | None = Field(
        description="TS 22.104 availability: the available share of the window (no data is never available); "
        "null when the window holds no data"
    )
    no_data_pct: float
    online_pct: float | None = Field(description="share of the window gateway_status said online; null: unknown")
    last_sample: datetime | None
    dead_letters: int
    kpis: list[KpiEvidence]


class WorstPeriod(BaseModel):
    start: datetime
    end: datetime
    kpi: str | None = Field(description="the KPI with the most out-of-bound samples in the period")
    gateway_id: str | None = None

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


class KpiPoint(BaseModel):
    start: datetime
    end: datetime
    samples: int
    p50: float | None
    p95: float | None


class KpiSeries(BaseModel):
    """A KPI over time for a chart: p50/p95 per bucket with the bound to draw as a line."""

    kpi: str
    bound: float
    direction: Direction
    unit: str
    points: list[KpiPoint]


class TimelineSegment(BaseModel):
    start: datetime
    end: datetime
    state: TimelineState


class UseCaseEvidence(BaseModel):
    use_case_id: int
    scenario: str
    window: WindowName
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    samples: int
    availability_pct: float | None = Field(
        description="TS 22.104 communication service availability: the available share of the window's "
        "gateway-time (time without data is never available, docs/evidence.md); null when there is no data"
    )
    unavailable_pct: float = Field(description="share of the window (gateway-time) that was unavailable")
    available_pct: float = Field(description="share of the window (gateway-time) that was available")
    availability_target_pct: float | None
    no_data_pct: float = Field(description="share of the window (gateway-time) without data")
    compliant: bool | None = Field(description="availability >= target; null when there is no data or no target")
    kpis: list[KpiEvidence]
    gateways: list[GatewayEvidence]
    worst_periods: list[WorstPeriod]
    series: list[KpiSeries]
    timeline: list[TimelineSegment]
    source: Literal["raw", "rollup", "mixed", "none"] = Field(
        description="where the figures were read: raw samples, 1-minute rollups, or both"
    )

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class FleetRow(BaseModel):
    use_case_id: int
    title: str
    enterprise: str
    enterprise_id: int
    city: str
    industry: str = Field(description="the industry in the source document's own wording")
    industry_code: str | None = Field(description="GB/T 4754-2017 division (e.g. C36); null: not classified")
    scenario: str
    compliant: bool | None
    availability_pct: float | None
    availability_target_pct: float | None
    no_data_pct: float
    gateways_online: int
    gateways_total: int
    last_data: datetime | None


class FleetEvidence(BaseModel):
    window: WindowName
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    rows: list[FleetRow] = Field(
        description="worst first: not compliant, then no data, then compliant; lower availability first"
    )

    model_config = {"populate_by_name": True, "serialize_by_alias": True}
