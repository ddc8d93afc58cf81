"""A gateway declared a Sparkplug B edge node over REST: validation with what is allowed, conflicts, the
collector's directory, the audit trail, and cascade on gateway deletion (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from collector.enrich import MetricMap, parse_directory
from tests.registry.support import RegistryClient

DECLARATION = {
    "group_id": "Sparkplug B Devices",  # Ignition Edge's default group
    "edge_node_id": "Edge Node 1",
    "metrics": [
        {"metric": "Modem/RSRP", "kpi": "rsrp_dbm"},
        {"device_id": "PLC 1", "metric": "Cycle/Time s", "kpi": "ctrl_loop_ms", "scale": 1000},
    ],
}


def test_declare_map_list_and_withdraw(api: RegistryClient, database_url: str) -> None:
    use_case = api.create_use_case("agv")
    api.create_gateway("sp-gw-1", use_case["id"])
    api.create_gateway("sp-gw-2", use_case["id"])
    url = "/api/v1/gateways/sp-gw-1/sparkplug"
    assert api.request("GET", url).status_code == 404
    assert api.request("PUT", url, json=DECLARATION, token=None).status_code == 401
    saved = api.request("PUT", url, json=DECLARATION)
    assert saved.status_code == 200, saved.text
    assert saved.json()["metrics"][0] == {
        "device_id": None,
        "metric": "Modem/RSRP",
        "kpi": "rsrp_dbm",
        "scale": 1.0,
        "offset": 0.0,
    }
    # Replacing is whole: one mapping left.
    again = api.request("PUT", url, json={**DECLARATION, "metrics": DECLARATION["metrics"][1:]})
    assert [m["metric"] for m in again.json()["metrics"]] == ["Cycle/Time s"]
    # Another gateway may not be the same node.
    taken = api.request("PUT", "/api/v1/gateways/sp-gw-2/sparkplug", json=DECLARATION)
    assert taken.status_code == 409 and "sp-gw-1" in taken.json()["error"]["message"]

    document = api.request("GET", "/api/v1/gateways/directory", token="collector").json()
    entries = {entry["id"]: entry for entry in document["gateways"]}
    # What the collector makes of it (collector/enrich.py): the node and its mapping, ready for the pipeline.
    parsed = parse_directory(document)["sp-gw-1"].sparkplug
    assert parsed is not None and (parsed.group, parsed.node) == ("Sparkplug B Devices", "Edge Node 1")
    assert parsed.metrics == {("PLC 1", "Cycle/Time s"): MetricMap("ctrl_loop_ms", 1000.0, 0.0)}
    assert entries["sp-gw-1"]["sparkplug"]["edge_node_id"] == "Edge Node 1"
    assert entries["sp-gw-1"]["sparkplug"]["metrics"][0]["device_id"] == "PLC 1"
    assert entries["sp-gw-2"]["sparkplug"] is None

    engine = create_engine(database_url)
    with engine.connect() as connection:
        actions = connection.execute(
            text("SELECT action, target_id FROM audit_events WHERE target_type = 'gateway' ORDER BY id")
        ).all()
    assert [tuple(row) for row in actions][-2:] == [
        ("gateway.sparkplug.update", "sp-gw-1"),
        ("gateway.sparkplug.update", "sp-gw-1"),
    ]
    assert api.request("DELETE", url).status_code == 204
    assert api.request("GET", url).status_code == 404
    # Deleting a declared gateway takes its declaration with it.
    assert api.request("PUT", url, json=DECLARATION).status_code == 200
    assert api.request("DELETE", "/api/v1/gateways/sp-gw-1").status_code == 204
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM sparkplug_metric_maps")).scalar() == 0
    engine.dispose()


def test_bad_declarations_say_what_is_allowed(api: RegistryClient) -> None:
    use_case = api.create_use_case("agv")
    api.create_gateway("sp-gw-3", use_case["id"])
    url = "/api/v1/gateways/sp-gw-3/sparkplug"
    metric = DECLARATION["metrics"][0]
    cases = [
        ({**DECLARATION, "group_id": "Plant/#"}, "body.group_id"),
        ({**DECLARATION, "edge_node_id": "+"}, "body.edge_node_id"),
        ({**DECLARATION, "group_id": "STATE"}, "body.group_id"),
        ({**DECLARATION, "metrics": [{**metric, "kpi": "nonsense"}]}, "body.metrics.0.kpi"),
        ({**DECLARATION, "metrics": [{**metric, "scale": 0}]}, "body.metrics.0.scale"),
        ({**DECLARATION, "metrics": [{**metric, "device_id": "a/b"}]}, "body.metrics.0.device_id"),
        ({**DECLARATION, "metrics": [{**metric, "metric": "x\u0000"}]}, "body.metrics.0.metric"),
        ({**DECLARATION, "metrics": [metric, metric]}, "body"),
    ]
    for body, field in cases:
        response = api.request("PUT", url, json=body)
        assert response.status_code == 422, (body, response.text)
        fields = response.json()["error"]["fields"]
        assert fields[0]["field"] == field, (body, fields)
    unknown_kpi = api.request("PUT", url, json={**DECLARATION, "metrics": [{**metric, "kpi": "nonsense"}]})
    assert "rsrp_dbm" in unknown_kpi.text, "the error lists the KPIs allowed"
    assert api.request("PUT", "/api/v1/gateways/nobody-here/sparkplug", json=DECLARATION).status_code == 404
    assert api.request("GET", url).status_code == 404, "nothing was saved"
