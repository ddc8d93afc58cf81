"""Declaring a gateway a Sparkplug B edge node: the declaration, its metric mapping, its broker ACL and what the
collector's directory says about it. No commits, no HTTP (registry/db_session.py opens the transaction)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.broker import hooks as broker_hooks
from registry.errors import Conflict, NotFound
from registry.gateways.service import get_gateway
from registry.sparkplug.models import NODE_LEVEL, SparkplugMetricMap, SparkplugNode
from registry.sparkplug.schemas import MetricMapOut, SparkplugDeclaration, SparkplugDirectoryEntry, SparkplugOut


def get_node(session: Session, gateway_id: str) -> SparkplugNode:
    node = session.get(SparkplugNode, gateway_id)
    if node is None:
        raise NotFound("sparkplug edge node of gateway", gateway_id)
    return node


def find_node(session: Session, gateway_id: str) -> SparkplugNode | None:
    return session.get(SparkplugNode, gateway_id)


def declare(session: Session, gateway_id: str, data: SparkplugDeclaration) -> SparkplugNode:
    """Create or replace the declaration; the broker then lets the gateway publish as exactly this node."""
    get_gateway(session, gateway_id)
    taken = session.scalar(
        select(SparkplugNode.gateway_id).where(
            SparkplugNode.group_id == data.group_id,
            SparkplugNode.edge_node_id == data.edge_node_id,
            SparkplugNode.gateway_id != gateway_id,
        )
    )
    if taken is not None:
        raise Conflict(f"Sparkplug edge node {data.group_id}/{data.edge_node_id} is already gateway {taken!r}")
    node = session.get(SparkplugNode, gateway_id)
    if node is None:
        node = SparkplugNode(gateway_id=gateway_id)
        session.add(node)
    node.group_id, node.edge_node_id = data.group_id, data.edge_node_id
    node.metrics.clear()
    session.flush()  # the old rows go before the new ones meet the unique constraint
    node.metrics.extend(
        SparkplugMetricMap(
            device_id=item.device_id or NODE_LEVEL,
            metric=item.metric,
            kpi=item.kpi,
            scale=item.scale,
            offset=item.offset,
        )
        for item in data.metrics
    )
    session.flush()
    broker_hooks.sparkplug_declared(gateway_id, data.group_id, data.edge_node_id)
    return node


def withdraw(session: Session, gateway_id: str) -> None:
    session.delete(get_node(session, gateway_id))
    session.flush()
    broker_hooks.sparkplug_withdrawn(gateway_id)


def to_out(node: SparkplugNode) -> SparkplugOut:
    return SparkplugOut(
        gateway_id=node.gateway_id,
        group_id=node.group_id,
        edge_node_id=node.edge_node_id,
        metrics=[
            MetricMapOut(device_id=m.device_id or None, metric=m.metric, kpi=m.kpi, scale=m.scale, offset=m.offset)
            for m in node.metrics
        ],
        updated_at=node.updated_at,
    )


def directory_entries(session: Session) -> dict[str, SparkplugDirectoryEntry]:
    """gateway id -> the `sparkplug` part of its directory entry."""
    nodes = session.scalars(select(SparkplugNode).options(selectinload(SparkplugNode.metrics)))
    return {node.gateway_id: SparkplugDirectoryEntry.model_validate(to_out(node).model_dump()) for node in nodes}
