"""A gateway's desired agent configuration (issue 19) through REST and the page, without a broker: who may set
it, what the agent's own model refuses (422 with the reason, nothing stored), versions, desired vs reported
(the collector's status report) and the audit trail. The delivery to a real agent is
tests/security/test_remote_config.py."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from registry.accounts.models import UserRole
from registry.audit.models import AuditEvent
from registry.auth.service import create_token
from registry.enums import TokenRole
from registry.gateways.models import Gateway
from tests.web.conftest import Registry, csrf_of, login

GW = "gw-cfg-01"
URL = f"/api/v1/gateways/{GW}/config"


def _setup(registry: Registry) -> tuple[int, int]:
    own = registry.enterprise()
    other = registry.enterprise(name="别家企业")
    use_case = registry.use_case(own)
    registry.run(lambda s: s.add(Gateway(id=GW, use_case_id=use_case, site_name="一号车间")))
    registry.user("owner@example.cn", enterprise_id=own)
    registry.user("other@example.cn", enterprise_id=other)
    registry.user("staff@example.cn", role=UserRole.staff)
    return own, use_case


def test_rest_put_checks_with_the_agents_model_and_is_audited(registry: Registry, client: TestClient) -> None:
    own, _ = _setup(registry)
    staff = {"Authorization": f"Bearer {registry.run(lambda s: create_token(s, 'ops', TokenRole.staff)[1])}"}
    collector = {"Authorization": f"Bearer {registry.run(lambda s: create_token(s, 'c', TokenRole.collector)[1])}"}

    assert client.get(URL, headers=staff).json()["state"] == "none"
    assert client.put(URL, json={"config": {"interval_s": 5}}).status_code == 401
    assert client.put(URL, json={"config": {"interval_s": 5}}, headers=collector).status_code == 403

    refused = {
        "mqtt": ({"mqtt": {"host": "evil.example"}}, "cannot change the broker connection"),
        "identity": ({"gateway_id": "gw-other"}, "gateway_id: may only be set"),
        "credentials": ({"mqtt": {"password": "x"}}, "credentials"),
        "traversal": ({"sources": {"host": {"disk_path": "../../etc"}}}, "without '..'"),
        "program": ({"sources": {"modem_mm": {"mmcli": "/tmp/x"}}}, "sources.modem_mm.mmcli"),
        # OPC UA: a file to read as the password, or another endpoint to send the gateway's password to.
        "secret file": ({"sources": {"opcua": {"password_file": "/etc/shadow"}}}, "sources.opcua.password_file"),
        "endpoint": ({"sources": {"opcua": {"endpoint": "opc.tcp://evil.example:4840"}}}, "sources.opcua.endpoint"),
        "downgrade": ({"sources": {"opcua": {"security_policy": "None"}}}, "sources.opcua.security_policy"),
        "type": ({"interval_s": "often"}, "interval_s: Input should be a valid number"),
        "range": ({"interval_s": 0}, "interval_s: Input should be greater than 0"),
        "unknown": ({"sources": {"camera": {}}}, "sources.camera: unknown key"),
        "huge": ({"sources": {"probe": {"targets": ["a" * 200] * 32, "method": "x" * 20_000}}}, "sources.probe"),
    }
    nested: dict = {"interval_s": 1}
    for _ in range(900):  # as deep as a JSON body can go before the parser refuses it
        nested = {"sources": nested}
    refused["nested"] = (nested, "sources.sources: unknown key")
    for name, (document, why) in refused.items():
        response = client.put(URL, json={"config": document}, headers=staff)
        assert response.status_code == 422, (name, response.text)
        assert why in response.json()["error"]["message"], (name, response.text)
        assert response.json()["error"]["fields"][0]["field"] == "body.config"
    assert client.get(URL, headers=staff).json()["version"] == 0  # nothing stored

    first = client.put(URL, json={"config": {"interval_s": 5, "log_level": "DEBUG"}}, headers=staff)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1 and first.json()["state"] == "pending"
    assert first.json()["topic"] == f"i5g/v1/{GW}/config"
    second = client.put(URL, json={"config": {"interval_s": 2}}, headers=staff).json()
    assert second["version"] == 2 and second["config"] == {"interval_s": 2.0}

    # Desired vs reported: the collector's status report carries what the agent said.
    report = {"id": GW, "online": True, "applied_version": 1, "config_rejected": {"version": 2, "reason": "pinned"}}
    posted = client.post("/api/v1/gateways/status", json={"statuses": [report]}, headers=collector)
    assert posted.status_code == 200, posted.text
    shown = client.get(URL, headers=staff).json()
    assert (shown["state"], shown["applied_version"], shown["rejected_reason"]) == ("rejected", 1, "pinned")
    report = {"id": GW, "online": True, "applied_version": 2}
    client.post("/api/v1/gateways/status", json={"statuses": [report]}, headers=collector)
    shown = client.get(URL, headers=staff).json()
    assert (shown["state"], shown["rejected_reason"]) == ("applied", None)

    events = registry.run(lambda s: s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all())
    assert [(e.action, e.target_id, e.actor, e.enterprise_id) for e in events] == [
        ("gateway.config.update", GW, "ops", own)
    ] * 2
    assert events[1].detail == {
        "version": 2,
        "changes": {"interval_s": [5.0, 2.0], "log_level": ["DEBUG", None]},
    }


def test_owner_and_staff_on_the_page_other_enterprises_not(registry: Registry, client: TestClient) -> None:
    _, use_case = _setup(registry)
    page_url = f"/gateways/{GW}/config"

    login(client, "other@example.cn")
    assert client.get(page_url).status_code == 404
    token = csrf_of(client.get("/my/usecases").text)
    assert client.put(URL, json={"config": {}}, headers={"X-CSRF-Token": token}).status_code == 404
    client.post("/logout", data={"csrf_token": token})

    login(client, "owner@example.cn")
    assert f'href="{page_url}"' in client.get(f"/usecases/{use_case}").text
    page = client.get(page_url)
    assert page.status_code == 200 and 'data-state="none"' in page.text
    token = csrf_of(page.text)
    form = {"csrf_token": token, "interval_s": "", "log_level": "", "probe_targets": "", "source_options": ""}
    bad = client.post(
        page_url, data={**form, "interval_s": "0.5", "source_options": '{"modem_quectel": {"port": "/dev/mem"}}'}
    )
    assert bad.status_code == 422 and "sources.modem_quectel.port" in bad.text
    good = {**form, "interval_s": "0.5", "src_probe": "on", "probe_targets": "10.0.0.1:443\n10.0.0.2:502"}
    saved = client.post(page_url, data=good, follow_redirects=True)
    assert saved.status_code == 200 and 'data-state="pending"' in saved.text
    put = client.put(URL, json={"config": {"interval_s": 1}}, headers={"X-CSRF-Token": token})
    assert put.status_code == 200 and put.json()["version"] == 2
    client.post("/logout", data={"csrf_token": token})

    login(client, "staff@example.cn")
    page = client.get(page_url)
    assert page.status_code == 200 and 'value="1"' in page.text
    events = registry.run(lambda s: s.scalars(select(AuditEvent)).all())
    assert [(e.actor_kind, e.actor) for e in events] == [("user", "owner@example.cn")] * 2
    assert events[0].detail["changes"]["sources.probe.targets"] == [None, ["10.0.0.1:443", "10.0.0.2:502"]]
