"""Real telemetry (line protocol exactly as the collector writes it, in the test InfluxDB) makes alerts go
pending -> firing -> resolved through the evaluator; one open alert per rule and subject; acknowledge and
silence through the REST API, recorded in the alert's history and the audit trail; notifications reach a
real webhook receiver through the outbox."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from collector.writer import dead_letter_line, gateway_status_line, tag_set
from i5g.alert_rules import RuleKind
from i5g.contract import TAG_GATEWAY, TAG_SCENARIO, TAG_USE_CASE
from registry.alerts import delivery
from registry.alerts.evaluate import run_round
from registry.alerts.models import Alert, AlertState
from registry.alerts.runner import Evaluator
from registry.audit.models import AuditEvent
from registry.db import session_scope
from tests.alerts.conftest import AlertEnv
from tests.alerts.helpers import alerts, notifications, rule_of, use_case_with_gateway
from tests.evidence.conftest import sample_lines, steady, write_lines

GOOD = {"rtt_ms": 50.0, "jitter_ms": 5.0, "loss_pct": 0.0, "ul_mbps": 8.0, "dl_mbps": 1.0, "video_mbps": 6.0}
BAD = {**GOOD, "rtt_ms": 900.0}  # video_surveillance: RTT bound 200 ms, no survival time in the profile


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _open(env: AlertEnv, use_case: int, kind: RuleKind) -> list[Alert]:
    rule = rule_of(env, use_case, kind, "rtt_ms" if kind == RuleKind.kpi_bound else "")
    return [a for a in alerts(env, use_case) if a.rule_id == rule.id]


def test_kpi_breach_fires_once_resolves_and_notifies(alert_env, influxdb, receiver) -> None:
    env = alert_env
    use_case = use_case_with_gateway(env, "video_surveillance", "gw-lc-1")
    rule = rule_of(env, use_case, RuleKind.kpi_bound, "rtt_ms")
    assert rule.threshold == 200 and rule.for_s == env.settings.kpi_for_s  # from the profile / the default
    changed = env.client.request("PATCH", f"/api/v1/alert-rules/{rule.id}", json={"for_s": 60})
    assert changed.status_code == 200 and changed.json()["for_s"] == 60
    availability = rule_of(env, use_case, RuleKind.availability)  # 2.5 min of data in its hour: off for this test
    assert env.client.request("PATCH", f"/api/v1/alert-rules/{availability.id}", json={"enabled": False}).is_success
    box = receiver()
    body = {"use_case_id": use_case, "kind": "webhook", "name": "ops", "target": f"{box.url}/h", "secret": "k"}
    assert env.client.request("POST", "/api/v1/alert-channels", json=body).status_code == 201
    evaluator = Evaluator(env.factory, env.api.app.state.evidence_settings, env.settings, holder="test")  # type: ignore[attr-defined]

    t0 = int(time.time() * 1000) // 1000 * 1000 - 120_000
    points = steady(t0, 60, GOOD) + steady(t0 + 60_000, 90, BAD)  # breach from t0+60 s to t0+150 s
    write_lines(influxdb.url, influxdb.database, sample_lines("gw-lc-1", use_case, "video_surveillance", points))

    evaluator.step(_at(t0 + 90_000))  # 30 s into the breach: pending
    [alert] = _open(env, use_case, RuleKind.kpi_bound)
    assert alert.state == AlertState.pending and alert.started_at == _at(t0 + 60_000) and alert.value == 900
    evaluator.step(_at(t0 + 125_000))  # 65 s: firing, announced once
    evaluator.step(_at(t0 + 150_000))
    [alert] = _open(env, use_case, RuleKind.kpi_bound)
    assert alert.state == AlertState.firing and alert.fired_at == _at(t0 + 125_000)
    assert [n.event for n in notifications(env) if n.alert_id == alert.id] == ["firing"]

    listed = env.client.request("GET", "/api/v1/alerts", params={"state": "firing", "usecase": use_case}).json()
    assert [a["id"] for a in listed] == [alert.id] and listed[0]["kpi"] == "rtt_ms"
    acked = env.client.request("POST", f"/api/v1/alerts/{alert.id}/ack")
    assert acked.status_code == 200 and acked.json()["acked_by"]

    recovered = steady(t0 + 150_000, 10, GOOD)
    write_lines(influxdb.url, influxdb.database, sample_lines("gw-lc-1", use_case, "video_surveillance", recovered))
    evaluator.step(_at(t0 + 161_000))
    [alert] = _open(env, use_case, RuleKind.kpi_bound)
    assert alert.state == AlertState.resolved and alert.resolved_at == _at(t0 + 161_000)
    assert [n.event for n in notifications(env) if n.alert_id == alert.id] == ["firing", "resolved"]
    delivery.dispatch(env.factory, env.settings, _at(t0 + 200_000))  # the rounds ran "in the future"
    mine = [r.json()["event"] for r in box.requests if r.json()["alert"]["id"] == alert.id]
    assert mine == ["firing", "resolved"]

    history = env.client.request("GET", f"/api/v1/alerts/{alert.id}").json()["events"]
    kinds = [e["kind"] for e in history]
    assert kinds[:4] == ["pending", "firing", "acknowledged", "resolved"] and kinds.count("notified") == 2

    # A second breach is a new alert; silenced, it is not announced at all.
    again = steady(t0 + 170_000, 20, BAD)
    write_lines(influxdb.url, influxdb.database, sample_lines("gw-lc-1", use_case, "video_surveillance", again))
    evaluator.step(_at(t0 + 180_000))
    second = _open(env, use_case, RuleKind.kpi_bound)[-1]
    assert second.id != alert.id and second.state == AlertState.pending
    until = (_at(t0) + timedelta(hours=2)).isoformat()
    silenced = env.client.request("POST", f"/api/v1/alerts/{second.id}/silence", json={"until": until})
    assert silenced.status_code == 200, silenced.text
    bad = env.client.request("POST", f"/api/v1/alerts/{second.id}/silence", json={})
    assert bad.status_code == 422 and "minutes" in bad.text
    evaluator.step(_at(t0 + 240_000))
    assert _open(env, use_case, RuleKind.kpi_bound)[-1].state == AlertState.firing
    assert [n for n in notifications(env) if n.alert_id == second.id] == []  # silenced: nothing queued

    with session_scope(env.factory) as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert {"alert.rule.update", "alert.ack", "alert.silence", "alert.channel.create"} <= set(actions)


def test_offline_silent_dead_letters_spool_and_availability(alert_env, influxdb) -> None:
    env = alert_env
    offline_uc = use_case_with_gateway(env, "video_surveillance", "gw-lc-off")
    silent_uc = use_case_with_gateway(env, "video_surveillance", "gw-lc-quiet")
    now = int(time.time() * 1000) // 60_000 * 60_000 + 30_000

    def status(gateway: str, use_case: int, ts: int, online: bool, dropped: int = 0) -> str:
        tags = tag_set(((TAG_GATEWAY, gateway), (TAG_USE_CASE, str(use_case)), (TAG_SCENARIO, "video_surveillance")))
        return gateway_status_line(tags, ts, online, dropped, "0.2.0")

    lines = [
        status("gw-lc-off", offline_uc, now - 900_000, True),
        status("gw-lc-off", offline_uc, now - 600_000, False),  # offline for 10 min > 5 min
        status("gw-lc-quiet", silent_uc, now - 1_200_000, True),
        status("gw-lc-quiet", silent_uc, now - 200_000, True, dropped=40),  # the spool overflowed
    ]
    lines += sample_lines("gw-lc-quiet", silent_uc, "video_surveillance", steady(now - 1_200_000, 60, GOOD, 5000))
    lines += [dead_letter_line("gw-lc-quiet", "bad_kpi", now - 60_000 + i, "x", "t") for i in range(60)]
    write_lines(influxdb.url, influxdb.database, lines)

    run_round(env.factory, env.api.app.state.evidence_settings, env.settings, _at(now))  # type: ignore[attr-defined]
    [offline] = _open(env, offline_uc, RuleKind.gateway_offline)
    assert offline.state == AlertState.firing and offline.started_at == _at(now - 600_000)
    assert _open(env, offline_uc, RuleKind.no_data) == []  # offline is not "online but silent"
    [quiet] = _open(env, silent_uc, RuleKind.no_data)
    assert quiet.state == AlertState.firing and quiet.subject == "gw-lc-quiet"
    [dead] = _open(env, silent_uc, RuleKind.dead_letters)
    assert dead.state == AlertState.firing and dead.value == 60
    [spool] = _open(env, silent_uc, RuleKind.spool_backlog)
    assert spool.state == AlertState.firing and spool.value == 40
    # The gateway sent 5 of the last 60 minutes: availability is the evidence figure, far below 99.9 %.
    [availability] = _open(env, silent_uc, RuleKind.availability)
    assert availability.state == AlertState.firing and availability.subject == f"usecase:{silent_uc}"
    evidence = env.client.request(
        "GET",
        f"/api/v1/usecases/{silent_uc}/evidence",
        params={"from": _at(now - 3_630_000).isoformat(), "to": _at(now).isoformat()},
    ).json()
    assert availability.value == evidence["availability_pct"]  # one computation, the page's figure

    # A gateway switched off ends its use case's open alerts (nothing is watched there any more).
    assert env.client.request("PATCH", "/api/v1/gateways/gw-lc-off", json={"enabled": False}).is_success
    run_round(env.factory, env.api.app.state.evidence_settings, env.settings, _at(now + 15_000))  # type: ignore[attr-defined]
    [offline] = _open(env, offline_uc, RuleKind.gateway_offline)
    assert offline.state == AlertState.resolved and offline.resolved_at == _at(now + 15_000)
