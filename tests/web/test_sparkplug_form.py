"""The owner declares a gateway a Sparkplug B edge node on its page: the mapping text is parsed line by line,
a bad line is named and nothing is saved, another enterprise gets the same 404, the change is audited."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.gateways.models import Gateway
from registry.sparkplug.models import SparkplugNode
from tests.web.conftest import Registry, csrf_of, login

MAPPING = "Modem/RSRP | rsrp_dbm\n\nNet/RTT s | rtt_ms | 1000\nCycle Time | ctrl_loop_ms | 1 | 0 | PLC 1\n"


def _gateway(registry: Registry, email: str) -> str:
    enterprise = registry.enterprise(name=f"E {email}")
    registry.user(email, enterprise_id=enterprise)
    use_case = registry.use_case(enterprise)
    registry.run(lambda s: s.add(Gateway(id="sp-web-1", use_case_id=use_case, site_name="一号车间")))
    return "/my/gateways/sp-web-1/sparkplug"


def test_owner_declares_and_maps_with_line_errors(client: TestClient, registry: Registry) -> None:
    url = _gateway(registry, "ops@zenith.cn")
    login(client, "ops@zenith.cn")
    token = csrf_of(client.get(url).text)
    form = {"group_id": "Plant A", "edge_node_id": "Edge Node 1", "csrf_token": token}
    bad = client.post(url, data={**form, "mappings": "Modem/RSRP | rsrp_dbm\nX | nonsense\nY | rtt_ms | zero"})
    assert bad.status_code == 400
    text = html.unescape(bad.text)
    error = text.split('id="mappings-error"')[1].split("</div>")[0]
    assert "第 2 行 kpi" in error and "rsrp_dbm" in error and "第 3 行 scale" in error, error
    assert registry.run(lambda s: s.scalar(select(SparkplugNode))) is None
    bad_id = client.post(url, data={**form, "edge_node_id": "Node/#", "mappings": MAPPING})
    assert bad_id.status_code == 400 and 'aria-invalid="true"' in bad_id.text

    saved = client.post(url, data={**form, "mappings": MAPPING}, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:500]
    page = html.unescape(client.get(saved.headers["location"]).text)
    assert "Cycle Time | ctrl_loop_ms | 1 | 0 | PLC 1" in page and "Net/RTT s | rtt_ms | 1000" in page
    node = registry.run(lambda s: s.scalar(select(SparkplugNode)))
    assert (node.group_id, node.edge_node_id) == ("Plant A", "Edge Node 1")
    # The mapping's own event (the fixtures' gateway, use case and accounts are audited too).
    mapping = select(AuditEvent).where(AuditEvent.action.startswith("gateway.sparkplug"))
    events = registry.run(lambda s: [(e.action, e.actor) for e in s.scalars(mapping)])
    assert events == [("gateway.sparkplug.update", "ops@zenith.cn")]

    client.post("/logout", data={"csrf_token": csrf_of(page)})
    _ = registry.user("other@rival.cn", enterprise_id=registry.enterprise(name="Rival"))
    login(client, "other@rival.cn")
    assert client.get(url).status_code == 404
    rival = client.post(url, data={**form, "mappings": "", "csrf_token": csrf_of(client.get("/my/usecases").text)})
    assert rival.status_code == 404
