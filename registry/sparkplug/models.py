"""A gateway declared as a Sparkplug B edge node, and the mapping of its metrics to contract KPIs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, UTCDateTime, utcnow

SPARKPLUG_ID_MAX = 64  # i5g.contract.SPARKPLUG_ID_PATTERN
METRIC_MAX = 200
KPI_MAX = 32
NODE_LEVEL = ""  # device_id of a metric of the edge node itself ("" so the unique constraint holds: NULLs differ)


class SparkplugNode(Base):
    __tablename__ = "sparkplug_nodes"
    __table_args__ = (UniqueConstraint("group_id", "edge_node_id", name="uq_sparkplug_nodes_group_node"),)

    gateway_id: Mapped[str] = mapped_column(ForeignKey("gateways.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(SPARKPLUG_ID_MAX))
    edge_node_id: Mapped[str] = mapped_column(String(SPARKPLUG_ID_MAX))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    metrics: Mapped[list[SparkplugMetricMap]] = relationship(
        back_populates="node", cascade="all, delete-orphan", order_by="SparkplugMetricMap.id"
    )


class SparkplugMetricMap(Base):
    __tablename__ = "sparkplug_metric_maps"
    __table_args__ = (UniqueConstraint("gateway_id", "device_id", "metric", name="uq_sparkplug_metric_maps_metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gateway_id: Mapped[str] = mapped_column(ForeignKey("sparkplug_nodes.gateway_id", ondelete="CASCADE"), index=True)
    device_id: Mapped[str] = mapped_column(String(SPARKPLUG_ID_MAX), default=NODE_LEVEL)
    metric: Mapped[str] = mapped_column(String(METRIC_MAX))
    kpi: Mapped[str] = mapped_column(String(KPI_MAX))
    scale: Mapped[float] = mapped_column(Float, default=1.0)
    offset: Mapped[float] = mapped_column(Float, default=0.0)

    node: Mapped[SparkplugNode] = relationship(back_populates="metrics")
