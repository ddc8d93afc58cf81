"""The alert pages: staff see every alert and acknowledge/silence them through the forms; an owner sees and
changes only its own use case's alerts, rules and channels; bad form input is a 422 naming what is allowed and
changes nothing; the use-case page shows open alerts (and per gateway) to owner and staff only."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from i5g.alert_rules import RuleKind
from registry.accounts.models import UserRole
from registry.alerts import lifecycle
from registry.alerts.evaluate import ensure_default_rules
from registry.alerts.lifecycle import Observation
from registry.alerts.models import Alert, AlertChannel, AlertRule
from registry.alerts.settings import AlertSettings
from registry.audit.models import AuditEvent
from registry.gateways.models import Gateway
from registry.usecases.models import UseCase
from tests.web.conftest import Registry, csrf_of, login
from tests.web.conftest import client as client  # the fixtures
from tests.web.conftest import registry as registry
from tests.web.conftest import template_databases as template_databases


def _firing_alert(reg: Registry, use_case_id: int, gateway: str) -> tuple[int, int]:
    def make(session):  # type: ignore[no-untyped-def]
        session.add(Gateway(id=gateway, use_case_id=use_case_id, site_name="一号车间"))
        session.flush()
        use_case = session.get(UseCase, use_case_id)
        rules = ensure_default_rules(session, use_case, AlertSettings())
        rule = next(r for r in rules if r.kind == RuleKind.gateway_offline)
        rule.for_s = 0
        now = datetime.now(UTC)
        alert = lifecycle.observe(session, rule, Observation(gateway, True, now, None, "gateway offline"), now, None)
        return alert.id, next(r for r in rules if r.kind == RuleKind.kpi_bound).id

    return reg.run(make)


def test_staff_page_ack_and_silence(registry: Registry, client) -> None:
    enterprise = registry.enterprise()
    use_case = registry.use_case(enterprise)
    alert_id, _ = _firing_alert(registry, use_case, "gw-page-1")
    registry.user("staff@example.cn", UserRole.staff)
    assert client.get("/alerts", follow_redirects=False).status_code in (303, 307)  # login first
    login(client, "staff@example.cn")
    page = client.get("/alerts")
    assert page.status_code == 200 and f'data-alert-id="{alert_id}"' in page.text and "告警中" in page.text
    token = csrf_of(page.text)
    acked = client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token, "next": "/alerts"})
    assert acked.status_code == 200 and "staff@example.cn" in acked.text
    silenced = client.post(
        f"/alerts/{alert_id}/silence", data={"csrf_token": token, "minutes": "240", "next": "/alerts"}
    )
    assert silenced.status_code == 200
    assert client.post(f"/alerts/{alert_id}/silence", data={"csrf_token": token, "minutes": "99999"}).status_code == 400
    assert client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": "forged"}).status_code == 403

    def check(session):  # type: ignore[no-untyped-def]
        alert = session.get(Alert, alert_id)
        actions = list(session.scalars(select(AuditEvent.action)))
        return alert.acked_by, alert.silenced_until is not None, actions

    acked_by, silenced_set, actions = registry.run(check)
    assert acked_by == "staff@example.cn" and silenced_set and actions.count("alert.silence") == 1
    assert client.get("/alerts?state=nonsense").status_code == 404
    resolved_tab = client.get("/alerts?state=resolved")
    assert f'data-alert-id="{alert_id}"' not in resolved_tab.text


def test_owner_rules_channels_and_visibility(registry: Registry, client) -> None:
    own = registry.enterprise("常州精密", "常州", "机械")
    other = registry.enterprise("威海船舶", "威海", "船舶")
    use_case = registry.use_case(own, scenario="video_surveillance")
    foreign = registry.use_case(other, title="别人的用例")
    alert_id, kpi_rule = _firing_alert(registry, use_case, "gw-page-2")
    foreign_alert, _ = _firing_alert(registry, foreign, "gw-page-3")
    registry.user("owner@example.cn", UserRole.enterprise, own)

    anonymous_view = client.get(f"/usecases/{use_case}")
    assert 'id="alerts"' not in anonymous_view.text and "data-gateway-alerts" not in anonymous_view.text
    login(client, "owner@example.cn")
    detail = client.get(f"/usecases/{use_case}")
    assert 'id="alerts"' in detail.text and 'data-gateway-alerts="1"' in detail.text
    assert client.get(f"/usecases/{foreign}/alerts").status_code == 404
    assert client.get("/alerts").status_code == 403  # the all-alerts page is for staff
    page = client.get(f"/usecases/{use_case}/alerts")
    assert page.status_code == 200 and f'data-alert-id="{alert_id}"' in page.text
    assert f'data-alert-id="{foreign_alert}"' not in page.text
    token = csrf_of(page.text)
    assert client.post(f"/alerts/{foreign_alert}/ack", data={"csrf_token": token}).status_code == 404

    # REST with the owner's browser session: only its own alerts; writes need the page's CSRF token in a header.
    listed = client.get("/api/v1/alerts", params={"state": "firing"})
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [alert_id]
    assert client.get("/api/v1/alerts", params={"usecase": foreign}).json() == []
    assert client.get(f"/api/v1/alerts/{foreign_alert}").status_code == 404
    assert client.post(f"/api/v1/alerts/{alert_id}/ack").status_code == 403
    acked = client.post(f"/api/v1/alerts/{alert_id}/ack", headers={"X-CSRF-Token": token})
    assert acked.status_code == 200 and acked.json()["acked_by"] == "owner@example.cn"
    rules = client.get(f"/api/v1/usecases/{use_case}/alert-rules").json()
    assert {r["kind"] for r in rules} >= {"availability", "kpi_bound", "gateway_offline", "no_data"}
    assert client.get(f"/api/v1/usecases/{foreign}/alert-rules").status_code == 404
    too_high = client.patch(f"/api/v1/alert-rules/{kpi_rule}", json={"threshold": 1e9}, headers={"X-CSRF-Token": token})
    assert too_high.status_code == 422 and "between 0 and 60000" in too_high.text

    bad = client.post(
        f"/alert-rules/{kpi_rule}", data={"csrf_token": token, "threshold": "-5", "for_s": "30", "enabled": "1"}
    )
    assert bad.status_code == 422 and 'data-error-for="threshold"' in bad.text and "60000" in bad.text
    good = client.post(
        f"/alert-rules/{kpi_rule}", data={"csrf_token": token, "threshold": "150", "for_s": "30", "enabled": "1"}
    )
    assert good.status_code == 200
    rule = registry.run(lambda s: s.get(AlertRule, kpi_rule))
    assert (rule.threshold, rule.for_s, rule.enabled) == (150, 30, True)

    hostile = {"csrf_token": token, "kind": "dingtalk", "name": "群", "target": "file:///etc/passwd", "secret": "SECx"}
    refused = client.post(f"/usecases/{use_case}/alert-channels", data=hostile)
    assert refused.status_code == 422 and 'data-error-for="target"' in refused.text and "SECx" not in refused.text
    robot = "https://oapi.dingtalk.com/robot/send?access_token=abcdef123"
    added = client.post(f"/usecases/{use_case}/alert-channels", data={**hostile, "target": robot})
    assert added.status_code == 200 and "https://oapi.dingtalk.com/…" in added.text and "abcdef123" not in added.text
    assert client.post("/alert-channels", data={**hostile, "target": robot}).status_code == 403  # staff-wide: staff

    channels = registry.run(lambda s: list(s.scalars(select(AlertChannel))))
    assert [(c.use_case_id, c.target, c.secret) for c in channels] == [(use_case, robot, "SECx")]
    deleted = client.post(f"/alert-channels/{channels[0].id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 200 and registry.run(lambda s: list(s.scalars(select(AlertChannel)))) == []
