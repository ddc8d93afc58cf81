"""One evaluation round: read telemetry through the evidence domain's InfluxDB reader, turn every enabled rule
into observations per subject, and apply them (lifecycle.py). docs/alerts.md states each rule's condition.

Availability is the evidence computation itself (`evidence.store.collect` + `evidence.service.summarise`, the
figure the use-case page shows), KPI samples and status events come from `evidence.store.read_raw` /
`read_status`, dead letters from `read_dead_letters`. When InfluxDB cannot be read the round raises
TelemetryUnavailable and changes no alert: an outage of the time series never resolves (or fires) one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from i5g.alert_rules import RuleKind
from i5g.contract import FIELD_DROPPED, MEASUREMENT_GATEWAY_STATUS, TAG_GATEWAY, TAG_USE_CASE
from registry.alerts import lifecycle
from registry.alerts.lifecycle import Observation
from registry.alerts.models import Alert, AlertRule
from registry.alerts.rules import breached, make_rule, specs_for
from registry.alerts.settings import AlertSettings
from registry.db import session_scope
from registry.evidence import compute, store
from registry.evidence.influx import InfluxClient, any_of
from registry.evidence.schemas import WindowSpec
from registry.evidence.service import summarise
from registry.evidence.settings import EvidenceSettings
from registry.gateways.models import Gateway
from registry.usecases.models import UseCase

MAX_LOOKBACK_S = 6 * 3600
USE_CASE_SUBJECT = "usecase:{}"


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass
class Telemetry:
    """What one round read, per (use case id as string, gateway)."""

    now_ms: int
    gap_ms: int
    samples: dict[store.Key, list[compute.RawSample]] = field(default_factory=dict)
    status: dict[store.Key, list[compute.StatusEvent]] = field(default_factory=dict)
    dead_letters: dict[tuple[int, str], int] = field(default_factory=dict)  # (window_s, gateway) -> count
    dropped: dict[tuple[int, str], int] = field(default_factory=dict)  # (window_s, gateway) -> dropped samples
    availability: dict[tuple[int, int], float | None] = field(default_factory=dict)  # (use case, window_s) -> %


@dataclass
class RoundResult:
    rules: int = 0
    observations: int = 0
    open_alerts: int = 0


def ensure_default_rules(
    session: Session, use_case: UseCase, settings: AlertSettings, existing: list[AlertRule] | None = None
) -> list[AlertRule]:
    """The use case's rules, adding any default rule it does not have yet (existing ones are never changed).
    `existing`: its rules when the caller has loaded them already."""
    if existing is None:
        existing = list(session.scalars(select(AlertRule).where(AlertRule.use_case_id == use_case.id)))
    have = {(rule.kind, rule.kpi) for rule in existing}
    for spec in specs_for(use_case.scenario_key, settings):
        if (spec.kind, spec.kpi) not in have:
            rule = make_rule(use_case.id, spec)
            session.add(rule)
            existing.append(rule)
    session.flush()
    return existing


def monitored_use_cases(session: Session) -> list[UseCase]:
    """Use cases with at least one enabled gateway: the ones telemetry can speak about."""
    stmt = (
        select(UseCase)
        .where(UseCase.id.in_(select(Gateway.use_case_id).where(Gateway.enabled.is_(True))))
        .options(selectinload(UseCase.gateways))
        .order_by(UseCase.id)
    )
    return list(session.scalars(stmt))


def run_round(
    factory: sessionmaker[Session], evidence: EvidenceSettings, settings: AlertSettings, now: datetime | None = None
) -> RoundResult:
    """One round in three steps, so the registry database is never locked while InfluxDB is read (on SQLite a
    write transaction blocks every other writer): add missing default rules (short transaction), read telemetry
    (no transaction), apply the observations (short transaction). An InfluxDB failure in the middle raises
    TelemetryUnavailable before anything about alerts is written."""
    now = now or datetime.now(UTC)
    with session_scope(factory) as session:
        use_cases = monitored_use_cases(session)
        loaded: dict[int, list[AlertRule]] = {uc.id: [] for uc in use_cases}
        for rule in session.scalars(select(AlertRule).where(AlertRule.use_case_id.in_(list(loaded)))):
            loaded[rule.use_case_id].append(rule)
        rules = {
            uc.id: [r for r in ensure_default_rules(session, uc, settings, loaded[uc.id]) if r.enabled]
            for uc in use_cases
        }
    with InfluxClient(evidence) as client:
        telemetry = read_telemetry(client, use_cases, rules, now)
    with session_scope(factory) as session:
        return apply_round(session, use_cases, rules, telemetry, now)


def apply_round(
    session: Session, use_cases: list[UseCase], rules: dict[int, list[AlertRule]], data: Telemetry, now: datetime
) -> RoundResult:
    result = RoundResult()
    open_now: dict[int, dict[str, Alert]] = {}
    for alert in session.scalars(select(Alert).where(Alert.open_key.is_not(None))):
        open_now.setdefault(alert.rule_id, {})[alert.subject] = alert
    for use_case in use_cases:
        gateways = sorted(g.id for g in use_case.gateways if g.enabled)
        for rule in rules[use_case.id]:
            result.rules += 1
            current = open_now.get(rule.id, {})
            for found in observations(rule, use_case, gateways, data):
                result.observations += 1
                alert = lifecycle.observe(session, rule, found, now, current.pop(found.subject, None))
                result.open_alerts += alert is not None
            for gone in current.values():  # a gateway removed or disabled: its alert ends
                lifecycle.resolve(session, gone, now, "subject no longer monitored")
    resolve_unwatched(session, [uc.id for uc in use_cases], now)
    return result


def resolve_unwatched(session: Session, monitored: list[int], now: datetime) -> None:
    """Open alerts end at once when their rule was switched off or their use case has no enabled gateway left."""
    stmt = (
        select(Alert)
        .join(Alert.rule)
        .where(Alert.open_key.is_not(None), or_(AlertRule.enabled.is_(False), Alert.use_case_id.not_in(monitored)))
    )
    for alert in session.scalars(stmt):
        reason = "rule disabled" if not alert.rule.enabled else "no enabled gateway"
        lifecycle.resolve(session, alert, now, reason)


def _lookback_s(rules: Iterable[AlertRule]) -> float:
    spans = [r.for_s for r in rules if r.kind in (RuleKind.kpi_bound, RuleKind.no_data)]
    return min(MAX_LOOKBACK_S, max(spans, default=0) + 120)


def read_telemetry(
    client: InfluxClient, use_cases: list[UseCase], rules: dict[int, list[AlertRule]], now: datetime
) -> Telemetry:
    now_ms = _ms(now)
    telemetry = Telemetry(now_ms, round(client.settings.no_data_after_s * 1000))
    if not use_cases:
        return telemetry
    keys = [str(uc.id) for uc in use_cases]
    all_rules = [r for items in rules.values() for r in items]
    start = now_ms - int(_lookback_s(all_rules) * 1000)
    telemetry.samples, _ = store.read_raw(client, start, now_ms + 1, keys)
    telemetry.status = store.read_status(client, start, now_ms + 1, keys)
    gateways = [g.id for uc in use_cases for g in uc.gateways]
    for window in {r.window_s for r in all_rules if r.kind == RuleKind.dead_letters}:
        for gateway, items in store.read_dead_letters(client, now_ms - window * 1000, now_ms + 1, gateways).items():
            telemetry.dead_letters[(window, gateway)] = sum(count for _, count in items)
    for window in {r.window_s for r in all_rules if r.kind == RuleKind.spool_backlog}:
        for gateway, dropped in read_dropped(client, now_ms - window * 1000, now_ms + 1, keys).items():
            telemetry.dropped[(window, gateway)] = dropped
    windows: dict[int, list[UseCase]] = {}
    for use_case in use_cases:
        for window_s in {r.window_s for r in rules[use_case.id] if r.kind == RuleKind.availability}:
            windows.setdefault(window_s, []).append(use_case)
    for window_s, members in windows.items():
        for use_case_id, value in availability(client, members, window_s, now).items():
            telemetry.availability[(use_case_id, window_s)] = value
    return telemetry


def availability(
    client: InfluxClient, use_cases: list[UseCase], window_s: int, now: datetime
) -> dict[int, float | None]:
    """The evidence figure of each use case over the last window_s (whole minutes), exactly as its page shows it:
    one `evidence.store.collect` for all of them, then `evidence.service.summarise` per use case."""
    end = now.replace(second=0, microsecond=0)
    window = WindowSpec(name="custom", start=end - timedelta(seconds=window_s), end=end)
    start_ms, end_ms = _ms(window.start), _ms(window.end)
    span = end_ms - start_ms
    profiles = {str(uc.id): compute.profile_of(uc.scenario_key) for uc in use_cases}
    collected = store.collect(
        client, start_ms, end_ms, bucket_ms=span, use_cases=list(profiles), profiles=profiles, now_ms=_ms(now)
    )
    result = {}
    for use_case in use_cases:
        registered = [g.id for g in use_case.gateways if g.enabled]
        evidence = summarise(use_case.id, profiles[str(use_case.id)], window, collected, registered, span)
        result[use_case.id] = evidence.availability_pct
    return result


def read_dropped(client: InfluxClient, start: int, end: int, use_cases: list[str]) -> dict[str, int]:
    """Samples each gateway's agent reported dropped from its spool (full or too old) in [start, end)."""
    measurement = client.rp(client.settings.raw_retention_policy, MEASUREMENT_GATEWAY_STATUS)
    statement = (
        f'SELECT sum("{FIELD_DROPPED}") AS "{FIELD_DROPPED}" FROM {measurement}'
        f" WHERE time >= {start}ms AND time < {end}ms"
        f' AND {any_of(TAG_USE_CASE, use_cases)} GROUP BY "{TAG_GATEWAY}"'
    )
    result: dict[str, int] = {}
    for series in client.query(statement):
        for _, dropped in series.values:
            result[series.tags.get(TAG_GATEWAY, "")] = int(dropped or 0)
    return result


# ------------------------------------------------------------------------------------------- conditions


def observations(rule: AlertRule, use_case: UseCase, gateways: list[str], data: Telemetry) -> list[Observation]:
    if rule.kind == RuleKind.availability:
        value = data.availability.get((use_case.id, rule.window_s))
        subject = USE_CASE_SUBJECT.format(use_case.id)
        if value is None:  # no data in the window: no verdict (the no-data and offline rules speak)
            return [Observation(subject, False)]
        message = f"availability {value:.4f} % over {rule.window_s // 60} min, target {rule.threshold:g} %"
        return [Observation(subject, breached(rule, value), _dt(data.now_ms), value, message)]
    key = str(use_case.id)
    return [_gateway_observation(rule, (key, gateway), data) for gateway in gateways]


def _gateway_observation(rule: AlertRule, key: store.Key, data: Telemetry) -> Observation:
    gateway = key[1]
    if rule.kind == RuleKind.kpi_bound:
        return _kpi_breach(rule, key, data)
    if rule.kind == RuleKind.gateway_offline:
        since = _offline_since(data.status.get(key, []))
        return Observation(gateway, since is not None, _dt(since) if since else None, None, "gateway offline")
    if rule.kind == RuleKind.no_data:
        return _no_data(rule, key, data)
    counts = data.dead_letters if rule.kind == RuleKind.dead_letters else data.dropped
    count = counts.get((rule.window_s, gateway), 0)
    what = "dead letters" if rule.kind == RuleKind.dead_letters else "samples dropped from the agent's spool"
    message = f"{count} {what} in {rule.window_s // 60} min (threshold {rule.threshold:g})"
    return Observation(gateway, breached(rule, count), _dt(data.now_ms), float(count), message)


def _kpi_breach(rule: AlertRule, key: store.Key, data: Telemetry) -> Observation:
    """Holds while the latest samples with this KPI breach the threshold; since the first sample of that run."""
    series = sorted((s.ts, s.values[rule.kpi]) for s in data.samples.get(key, []) if rule.kpi in s.values)
    if not series or series[-1][0] < data.now_ms - data.gap_ms - 60_000:
        return Observation(key[1], False)  # nothing recent: the no-data rule speaks for this gateway
    run_start, last = None, series[-1][1]
    for ts, value in reversed(series):
        if not breached(rule, value):
            break
        run_start = ts
    if run_start is None:
        return Observation(key[1], False, value=last)
    relation = ">" if rule.direction == "max" else "<"
    message = f"{rule.kpi} = {last:g} {relation} {rule.threshold:g} since {_dt(run_start):%H:%M:%S} UTC"
    return Observation(key[1], True, _dt(run_start), last, message)


def _offline_since(events: list[compute.StatusEvent]) -> int | None:
    """When the gateway's current offline streak began; None when its last known state is online or unknown."""
    since = None
    for event in sorted(events, key=lambda e: e.ts):
        if event.online:
            since = None
        elif since is None:
            since = event.ts
    return since


def _no_data(rule: AlertRule, key: store.Key, data: Telemetry) -> Observation:
    events = sorted(data.status.get(key, []), key=lambda e: e.ts)
    if not events or not events[-1].online:
        return Observation(key[1], False)  # offline or unknown: the offline rule speaks for it
    online_since = events[-1].ts
    for event in reversed(events):
        if not event.online:
            break
        online_since = event.ts
    samples = data.samples.get(key, [])
    last = max((s.ts for s in samples), default=None)
    silent_from = max(online_since, last + data.gap_ms if last is not None else online_since)
    holds = silent_from < data.now_ms
    message = "online, but no telemetry" + (f" since {_dt(last):%H:%M:%S} UTC" if last else "")
    return Observation(key[1], holds, _dt(silent_from) if holds else None, None, message)
