"""Gateway service functions: CRUD, the collector's directory and status updates. No commits, no HTTP."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from registry.audit.service import SYSTEM, Actor, changes, record, snapshot
from registry.broker import hooks as broker_hooks
from registry.enterprises.models import Enterprise
from registry.enums import ReviewStatus
from registry.errors import Conflict, FieldInvalid, NotFound
from registry.gateways.models import Gateway
from registry.gateways.schemas import DirectoryEntry, GatewayCreate, GatewayStatus, GatewayUpdate
from registry.pagination import PageRequest, fetch_page
from registry.usecases.models import UseCase


@dataclass(frozen=True)
class GatewayFilters:
    use_case_id: int | None = None
    enabled: bool | None = None
    online: bool | None = None
    # Anonymous callers see the gateways of approved use cases only.
    approved_only: bool = False


def _filtered(filters: GatewayFilters) -> Select[tuple[Gateway]]:
    stmt = select(Gateway)
    if filters.use_case_id is not None:
        stmt = stmt.where(Gateway.use_case_id == filters.use_case_id)
    if filters.enabled is not None:
        stmt = stmt.where(Gateway.enabled == filters.enabled)
    if filters.online is not None:
        stmt = stmt.where(Gateway.online == filters.online)
    if filters.approved_only:
        stmt = stmt.join(Gateway.use_case).where(UseCase.review_status == ReviewStatus.approved)
    return stmt.order_by(Gateway.id)


def list_gateways(session: Session, filters: GatewayFilters, page: PageRequest) -> tuple[list[Gateway], int]:
    return fetch_page(session, _filtered(filters), page)


def get_gateway(session: Session, gateway_id: str, *, approved_only: bool = False) -> Gateway:
    gateway = session.get(Gateway, gateway_id)
    if gateway is None or (approved_only and gateway.use_case.review_status != ReviewStatus.approved):
        raise NotFound("gateway", gateway_id)
    return gateway


def _approved_use_case(session: Session, use_case_id: int) -> UseCase:
    use_case = session.get(UseCase, use_case_id)
    if use_case is None:
        raise FieldInvalid("use_case_id", f"no use case with id {use_case_id}")
    if use_case.review_status != ReviewStatus.approved:
        raise Conflict(
            f"use case {use_case_id} is {use_case.review_status.value}, not approved: "
            "gateways can only be attached to approved use cases"
        )
    return use_case


def _record(session: Session, actor: Actor, action: str, gateway: Gateway, detail: dict | None = None) -> None:
    """An audit event of the gateway, under its use case's enterprise (never a password: `detail` says only
    what happened to the credentials)."""
    enterprise_id = session.scalar(select(UseCase.enterprise_id).where(UseCase.id == gateway.use_case_id))
    record(session, actor, action, "gateway", gateway.id, enterprise_id=enterprise_id, detail=detail)


def create_gateway(session: Session, data: GatewayCreate, *, actor: Actor = SYSTEM) -> Gateway:
    if session.get(Gateway, data.id) is not None:
        raise Conflict(f"a gateway with id {data.id!r} already exists")
    _approved_use_case(session, data.use_case_id)
    gateway = Gateway(**data.model_dump())
    session.add(gateway)
    session.flush()
    # Its broker identity (a no-op without I5G_BROKER_ADMIN_URL). The password is kept on the instance for the
    # response only: shown once, never stored (the broker keeps a salted hash).
    gateway.broker_password = broker_hooks.gateway_created(gateway.id)  # type: ignore[attr-defined]
    detail = {"use_case_id": gateway.use_case_id, "broker_identity": gateway.broker_password is not None}  # type: ignore[attr-defined]
    _record(session, actor, "gateway.register", gateway, detail)
    return gateway


def update_gateway(session: Session, gateway_id: str, data: GatewayUpdate, *, actor: Actor = SYSTEM) -> Gateway:
    gateway = get_gateway(session, gateway_id)
    updates = data.changes()
    if "use_case_id" in updates and updates["use_case_id"] != gateway.use_case_id:
        _approved_use_case(session, updates["use_case_id"])
    was_enabled = gateway.enabled
    before = snapshot(gateway, updates)
    for key, value in updates.items():
        setattr(gateway, key, value)
    session.flush()
    diff = changes(before, snapshot(gateway, updates))
    if diff.pop("enabled", None) is not None:
        # Disabling revokes the broker identity, enabling restores it (below).
        action, credentials = ("gateway.enable", "restored") if gateway.enabled else ("gateway.disable", "revoked")
        _record(session, actor, action, gateway, {"credentials": credentials})
    if diff:
        _record(session, actor, "gateway.update", gateway, diff)
    # Disabling revokes the broker identity at once (connected sessions are kicked); enabling restores it.
    if gateway.enabled and not was_enabled:
        gateway.broker_password = broker_hooks.gateway_enabled(gateway.id)  # type: ignore[attr-defined]
    elif was_enabled and not gateway.enabled:
        broker_hooks.gateway_disabled(gateway.id)
        # The broker has just kicked it and refuses it from now on: it is offline at once, whatever the
        # collector reported before (its last will may never come, and a status report still on its way must
        # not bring it back: see apply_statuses).
        gateway.online = False
    return gateway


def rotate_password(session: Session, gateway_id: str, password: str | None = None, *, actor: Actor = SYSTEM) -> str:
    """A new broker password for an enabled gateway: `password` (chosen on the gateway, already in its password
    file: the no-gap procedure) or a generated one, shown once. A disabled gateway stays locked out: rotating
    would let it in again at the broker."""
    gateway = get_gateway(session, gateway_id)
    if not gateway.enabled:
        raise Conflict(f"gateway {gateway_id!r} is disabled: enable it before rotating its password")
    new_password = broker_hooks.gateway_password_rotated(gateway.id, password)
    if new_password is None:
        raise Conflict("this registry manages no broker identities (I5G_BROKER_ADMIN_URL is not set)")
    # Whether the password was chosen on the gateway (the no-gap procedure) or generated; never the password.
    _record(session, actor, "gateway.credentials.rotate", gateway, {"chosen_on_gateway": password is not None})
    return new_password


def delete_gateway(session: Session, gateway_id: str, *, actor: Actor = SYSTEM) -> None:
    from registry.agentconfig.models import AgentConfig

    gateway = get_gateway(session, gateway_id)
    had_config = session.get(AgentConfig, gateway_id) is not None  # the row goes with the gateway (cascade)
    _record(session, actor, "gateway.delete", gateway, {"use_case_id": gateway.use_case_id})
    session.delete(gateway)
    session.flush()
    broker_hooks.gateway_deleted(gateway_id, had_config=had_config)


def directory(session: Session) -> list[DirectoryEntry]:
    """Every gateway with what the collector tags its samples with. `enabled` is false for a disabled gateway
    and for one whose use case is no longer approved: its telemetry should not be accepted."""
    rows = session.scalars(
        select(Gateway)
        .options(joinedload(Gateway.use_case).joinedload(UseCase.enterprise))
        .join(Gateway.use_case)
        .join(UseCase.enterprise)
        .order_by(Gateway.id)
    )
    from registry.sparkplug.service import directory_entries  # the sparkplug domain builds on this one

    sparkplug = directory_entries(session)
    entries = []
    for gateway in rows:
        use_case = gateway.use_case
        enterprise: Enterprise = use_case.enterprise
        entries.append(
            DirectoryEntry(
                id=gateway.id,
                enabled=gateway.enabled and use_case.review_status == ReviewStatus.approved,
                use_case_id=use_case.id,
                use_case=use_case.title,
                scenario=use_case.scenario_key,
                enterprise=enterprise.name,
                city=enterprise.city,
                industry=enterprise.industry,
                latitude=gateway.latitude,
                longitude=gateway.longitude,
                sparkplug=sparkplug.get(gateway.id),
            )
        )
    return entries


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def apply_statuses(session: Session, statuses: Iterable[GatewayStatus]) -> tuple[int, list[str]]:
    """Record online/last-seen reports; returns (number updated, ids the registry does not know).
    A report older than the stored last_seen_at does not move it backwards."""
    reports = list(statuses)
    ids = {report.id for report in reports}
    known = {g.id: g for g in session.scalars(select(Gateway).where(Gateway.id.in_(ids)))} if ids else {}
    unknown: list[str] = []
    updated = 0
    for report in reports:
        gateway = known.get(report.id)
        if gateway is None:
            if report.id not in unknown:
                unknown.append(report.id)
            continue
        seen = _as_utc(report.last_seen) if report.last_seen else None
        if seen is not None and gateway.last_seen_at is not None and seen < gateway.last_seen_at:
            continue  # stale report (e.g. a replayed batch)
        # A disabled gateway cannot be connected (the broker refuses it): a report of it online is stale.
        gateway.online = report.online and gateway.enabled
        if seen is not None:
            gateway.last_seen_at = seen
        updated += 1
    from registry.agentconfig.service import record_reports

    record_reports(session, ((r.id, r.applied_version, r.config_rejected) for r in reports if r.id in known))
    session.flush()
    return updated, unknown
