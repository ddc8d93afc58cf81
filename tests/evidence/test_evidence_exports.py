"""Case collections (CSV / JSON exports) carry compliance columns, the window named in each header; InfluxDB
unreachable leaves the export working with an explicit telemetry_unavailable."""

from __future__ import annotations

import csv
import io
import json

from tests.evidence.conftest import EvidenceApi, evidence_settings, minute_ago, sample_lines, steady, write_lines

GOOD = {"rtt_ms": 50.0, "jitter_ms": 5.0, "loss_pct": 0.0, "ul_mbps": 8.0, "dl_mbps": 1.0, "video_mbps": 6.0}
STEP_S = 600


def _csv(api: EvidenceApi, **params: str) -> list[dict[str, str]]:
    response = api.client.request("GET", "/api/v1/usecases/export", params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_exports_carry_compliance_columns_named_by_window(evidence_api: EvidenceApi, influxdb) -> None:
    api = evidence_api.client
    enterprise = api.create_enterprise(city="宁波", industry="汽车零部件")
    meets = api.create_use_case("video_surveillance", enterprise["id"], title="meets")
    api.create_use_case("video_surveillance", enterprise["id"], title="silent")
    api.create_gateway("gw-x-1", meets["id"])
    t0 = minute_ago(25 * 60)  # 25 h of sparse samples: the 24 h window is fully covered
    write_lines(
        influxdb.url,
        influxdb.database,
        sample_lines("gw-x-1", meets["id"], "video_surveillance", steady(t0, 25 * 3600, GOOD, STEP_S * 1000)),
    )
    evidence_api.use(evidence_settings(influxdb.url, influxdb.database, no_data_after_s=STEP_S * 1.5))

    rows = {r["title"]: r for r in _csv(evidence_api)}
    assert rows["meets"]["compliance_24h"] == "meets"
    assert float(rows["meets"]["availability_pct_24h"]) == 100.0
    assert rows["meets"]["availability_target_pct"] == "99.9" and rows["meets"]["gateways_online_24h"] == "0/1"
    assert rows["silent"]["compliance_24h"] == "no_data" and rows["silent"]["availability_pct_24h"] == ""
    assert rows["meets"]["industry_code"] == "C36"

    week = {r["title"]: r for r in _csv(evidence_api, evidence_window="7d")}
    assert week["meets"]["compliance_7d"] == "does_not_meet"  # 25 h of data in 7 days: no data is never available
    assert "compliance_24h" not in week["meets"]
    response = api.request("GET", "/api/v1/usecases/export", params={"format": "json", "evidence_window": "30d"})
    items = {i["title"]: i for i in json.loads(response.content)["items"]}
    assert items["meets"]["compliance_30d"] == "does_not_meet" and items["silent"]["compliance_30d"] == "no_data"
    bad = api.request("GET", "/api/v1/usecases/export", params={"evidence_window": "5x"})
    assert bad.status_code == 422

    evidence_api.use(evidence_settings("http://127.0.0.1:9", influxdb.database, connect_timeout_s=0.5))
    down = {r["title"]: r for r in _csv(evidence_api)}
    assert down["meets"]["compliance_24h"] == "telemetry_unavailable" and down["meets"]["title"] == "meets"
