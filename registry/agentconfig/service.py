"""Desired agent configurations: validated by the agent's own model, versioned, audited, published retained on
the gateway's config topic. No commits, no HTTP."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from edge_agent.settings import RemoteConfigError, check_document
from i5g import contract
from registry.agentconfig.models import REASON_MAX, AgentConfig
from registry.agentconfig.schemas import AgentConfigOut, ConfigRejection
from registry.audit.service import Actor, changes, record
from registry.broker import hooks as broker_hooks
from registry.errors import FieldInvalid
from registry.gateways.models import Gateway

ACTION = "gateway.config.update"


def describe(gateway_id: str, row: AgentConfig | None) -> AgentConfigOut:
    out = AgentConfigOut(gateway_id=gateway_id, topic=contract.config_topic(gateway_id))
    if row is None:
        return out
    fields = ("version", "updated_at", "updated_by", "applied_version", "rejected_version", "rejected_reason")
    values = {name: getattr(row, name) for name in (*fields, "reported_at", "state")}
    return out.model_copy(update={**values, "config": row.document})


def _flat(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def set_config(session: Session, gateway: Gateway, document: object, actor: Actor) -> AgentConfig:
    """Store the next version of the gateway's desired configuration and publish it (retained). A broker
    failure raises BrokerFailure (503) and the request's transaction rolls back: nothing is half-changed."""
    try:
        checked = check_document(document)
    except RemoteConfigError as exc:
        raise FieldInvalid("config", str(exc)) from None
    row = session.get(AgentConfig, gateway.id)
    before: dict[str, Any] = {}
    if row is None:
        row = AgentConfig(gateway_id=gateway.id, version=0)
        session.add(row)
    else:
        before = row.document
    payload = contract.encode_config(gateway.id, row.version + 1, checked)
    if len(payload) > contract.MAX_CONFIG_BYTES:
        raise FieldInvalid("config", f"{len(payload)} bytes encoded; at most {contract.MAX_CONFIG_BYTES}")
    row.version += 1
    row.document = checked
    row.updated_at = datetime.now(UTC)
    row.updated_by = actor.name[:254]
    session.flush()
    detail = {"version": row.version, "changes": changes(_flat(before), _flat(checked))}
    record(session, actor, ACTION, "gateway", gateway.id, enterprise_id=gateway.use_case.enterprise_id, detail=detail)
    broker_hooks.config_changed(gateway.id, payload)
    return row


def record_reports(session: Session, reports: Iterable[tuple[str, int | None, ConfigRejection | None]]) -> None:
    """What agents reported on their status topics (through the collector): applied version, last rejection."""
    reports = [report for report in reports if report[1] is not None or report[2] is not None]
    if not reports:
        return
    ids = {gateway_id for gateway_id, _, _ in reports}
    rows = {row.gateway_id: row for row in session.scalars(select(AgentConfig).where(AgentConfig.gateway_id.in_(ids)))}
    now = datetime.now(UTC)
    for gateway_id, applied, rejected in reports:
        row = rows.get(gateway_id)
        if row is None:
            continue  # no desired configuration here (e.g. set by a registry since restored from a backup)
        if applied is not None:
            row.applied_version = applied
        if rejected is not None:
            row.rejected_version, row.rejected_reason = rejected.version, rejected.reason[:REASON_MAX]
        elif applied is not None and row.rejected_version is not None and row.rejected_version <= applied:
            row.rejected_version = row.rejected_reason = None
        row.reported_at = now


def desired_configs(session: Session) -> dict[str, bytes]:
    """Every desired configuration as its config-topic message (`i5g broker reconcile` publishes them again)."""
    import registry.models  # noqa: F401  (every mapped class, for a bare CLI process)

    rows = session.scalars(select(AgentConfig).order_by(AgentConfig.gateway_id))
    return {row.gateway_id: contract.encode_config(row.gateway_id, row.version, row.document) for row in rows}
