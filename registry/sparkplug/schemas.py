"""A Sparkplug B edge node declaration: its ids, and which metric (of the node or of one of its devices) is
which contract KPI, with the linear conversion into the KPI's unit (kpi = value * scale + offset)."""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from i5g.contract import KPIS, SPARKPLUG_ID_PATTERN, SPARKPLUG_RESERVED_GROUPS
from registry.fields import text
from registry.sparkplug.models import METRIC_MAX, SPARKPLUG_ID_MAX

MAX_METRICS = 200
SCALE_LIMIT = 1e9

SparkplugId = Field(pattern=SPARKPLUG_ID_PATTERN, min_length=1, max_length=SPARKPLUG_ID_MAX)


class MetricMapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_id: str | None = Field(
        None,
        pattern=SPARKPLUG_ID_PATTERN,
        max_length=SPARKPLUG_ID_MAX,
        description="the device (DBIRTH/DDATA) the metric belongs to; null for a metric of the edge node itself",
    )
    metric: text(METRIC_MAX) = Field(description="the Sparkplug metric name as the birth certificate gives it")
    kpi: str = Field(description="the contract KPI (i5g.contract.KPIS) the value stands for")
    scale: float = Field(1.0, description="kpi = value * scale + offset: into the KPI's unit")
    offset: float = 0.0

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, value: str) -> str:
        if value not in KPIS:
            raise ValueError(f"unknown KPI {value[:40]!r}; allowed: {', '.join(KPIS)}")
        return value

    @field_validator("scale", "offset")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value) or abs(value) > SCALE_LIMIT:
            raise ValueError(f"must be a finite number within ±{SCALE_LIMIT:g}")
        return value

    @field_validator("scale")
    @classmethod
    def _not_zero(cls, value: float) -> float:
        if value == 0:
            raise ValueError("must not be 0 (every value would become the offset)")
        return value


class SparkplugDeclaration(BaseModel):
    """PUT body: replaces the gateway's declaration as a whole."""

    model_config = ConfigDict(extra="forbid")

    group_id: str = SparkplugId
    edge_node_id: str = SparkplugId
    metrics: list[MetricMapIn] = Field(default_factory=list, max_length=MAX_METRICS)

    @field_validator("group_id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in SPARKPLUG_RESERVED_GROUPS:
            raise ValueError(f"{value!r} is the host applications' STATE topic, not a group id")
        return value

    @model_validator(mode="after")
    def _unique_metrics(self) -> SparkplugDeclaration:
        seen: set[tuple[str | None, str]] = set()
        for item in self.metrics:
            key = (item.device_id, item.metric)
            if key in seen:
                where = f"device {item.device_id!r}" if item.device_id else "the edge node"
                raise ValueError(f"metric {item.metric!r} of {where} is mapped twice")
            seen.add(key)
        return self


class MetricMapOut(BaseModel):
    device_id: str | None
    metric: str
    kpi: str
    scale: float
    offset: float


class SparkplugDirectoryEntry(BaseModel):
    """The `sparkplug` part of a gateway's directory entry (collector/enrich.py reads it)."""

    group_id: str
    edge_node_id: str
    metrics: list[MetricMapOut]


class SparkplugOut(BaseModel):
    gateway_id: str
    group_id: str
    edge_node_id: str
    metrics: list[MetricMapOut]
    updated_at: datetime
