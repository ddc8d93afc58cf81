"""REST behaviour of evidence: windows (422 with what is allowed), visibility, the fleet list's order and filters,
and InfluxDB stopped (503 with a clear message)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.evidence.conftest import EvidenceApi, evidence_settings, minute_ago, sample_lines, steady, write_lines

GOOD = {"rtt_ms": 50.0, "jitter_ms": 5.0, "loss_pct": 0.0, "ul_mbps": 8.0, "dl_mbps": 1.0, "video_mbps": 6.0}
BAD = {**GOOD, "rtt_ms": 900.0}  # video_surveillance: RTT bound 200 ms, survival time none


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def test_bad_windows_get_422_saying_what_is_allowed(evidence_api: EvidenceApi, influxdb) -> None:
    evidence_api.use(evidence_settings(influxdb.url, influxdb.database))
    use_case = evidence_api.client.create_use_case("video_surveillance")
    path = f"/api/v1/usecases/{use_case['id']}/evidence"
    now = int(time.time() * 1000)
    for params in (
        {"window": "5x"},
        {"from": _iso(now - 3_600_000), "to": _iso(now - 7_200_000)},  # from after to
        {"from": _iso(now - 40 * 86_400_000), "to": _iso(now - 39 * 86_400_000)},  # beyond 30 d raw, no rollups
        {"from": _iso(now - 3_600_000)},  # from without to
    ):
        response = evidence_api.client.request("GET", path, params=params, token=None)
        assert response.status_code == 422, (params, response.text)
        message = response.json()["error"]["message"]
        assert "allowed" in message or "retention" in message, message
    assert evidence_api.client.request("GET", "/api/v1/evidence", params={"window": "5x"}).status_code == 422
    assert "24h, 7d or 30d" in evidence_api.client.request("GET", path, params={"window": "5x"}).text
    # 30 days with 7 days of raw retention and no rollups: the API says why (422), the fleet page too
    evidence_api.use(evidence_settings(influxdb.url, influxdb.database, raw_retention_days=7))
    beyond = evidence_api.client.request("GET", "/api/v1/evidence", params={"window": "30d"}, token=None)
    assert beyond.status_code == 422 and "no rollups exist" in beyond.json()["error"]["message"], beyond.text
    page = evidence_api.client.request(
        "GET", "/fleet", params={"window": "30d"}, token=None, headers={"Accept-Language": "en"}
    )
    assert page.status_code == 422 and "no rollups cover it; choose a shorter window" in page.text


def test_fleet_is_worst_first_filtered_and_respects_visibility(evidence_api: EvidenceApi, influxdb) -> None:
    api = evidence_api.client
    evidence_api.use(evidence_settings(influxdb.url, influxdb.database))
    ningbo = api.create_enterprise(city="宁波", industry="汽车零部件")
    hangzhou = api.create_enterprise(city="杭州", industry="钢铁")
    meets = api.create_use_case("video_surveillance", ningbo["id"], title="meets")
    breaches = api.create_use_case("video_surveillance", ningbo["id"], title="breaches")
    silent = api.create_use_case("video_surveillance", hangzhou["id"], title="silent")
    hidden = api.create_use_case("video_surveillance", ningbo["id"], title="hidden")
    for use_case, gateway in ((meets, "gw-f-1"), (breaches, "gw-f-2"), (silent, "gw-f-3"), (hidden, "gw-f-4")):
        api.create_gateway(gateway, use_case["id"])
    patched = api.request("PATCH", f"/api/v1/usecases/{hidden['id']}", json={"review_status": "submitted"})
    assert patched.status_code == 200, patched.text  # back under review: no longer public
    t0 = minute_ago(20)
    lines = sample_lines("gw-f-1", meets["id"], "video_surveillance", steady(t0, 600, GOOD))
    lines += sample_lines("gw-f-2", breaches["id"], "video_surveillance", steady(t0, 300, GOOD))
    lines += sample_lines("gw-f-2", breaches["id"], "video_surveillance", steady(t0 + 300_000, 300, BAD))
    lines += sample_lines("gw-f-4", hidden["id"], "video_surveillance", steady(t0, 600, BAD))
    write_lines(influxdb.url, influxdb.database, lines)
    window = {"from": _iso(t0), "to": _iso(t0 + 600_000)}

    rows = api.request("GET", "/api/v1/evidence", params=window, token=None).json()["rows"]
    assert [r["title"] for r in rows] == ["breaches", "silent", "meets"]
    assert [r["compliant"] for r in rows] == [False, None, True]
    assert rows[0]["availability_pct"] == 50.0 and rows[2]["availability_pct"] == 100.0
    assert rows[0]["gateways_total"] == 1 and rows[1]["no_data_pct"] == 100.0
    assert rows[2]["last_data"] == _iso(t0 + 599_000).replace("+00:00", "Z")
    staff_rows = api.request("GET", "/api/v1/evidence", params=window).json()["rows"]
    assert [r["title"] for r in staff_rows][:2] == ["hidden", "breaches"]  # staff see the submitted one too
    only_hangzhou = api.request("GET", "/api/v1/evidence", params={**window, "city": "杭州"}, token=None).json()
    assert [r["title"] for r in only_hangzhou["rows"]] == ["silent"]
    by_industry = api.request("GET", "/api/v1/evidence", params={**window, "industry": "汽车零部件"}, token=None)
    assert [r["title"] for r in by_industry.json()["rows"]] == ["breaches", "meets"]
    # the GB/T 4754 division code, as the fleet page sends it, and another wording of the same division
    for industry in ("C36", "c36", "汽车及零部件"):
        grouped = api.request("GET", "/api/v1/evidence", params={**window, "industry": industry}, token=None)
        assert [(r["title"], r["industry_code"]) for r in grouped.json()["rows"]] == [
            ("breaches", "C36"),
            ("meets", "C36"),
        ], industry
    unknown = api.request("GET", "/api/v1/evidence", params={**window, "industry": "Z99"}, token=None)
    assert unknown.status_code == 422 and "C36" in unknown.json()["error"]["message"], unknown.text

    # The use case's own evidence follows GET /usecases/{id}: a submitted one is 404 for anonymous callers.
    assert api.request("GET", f"/api/v1/usecases/{hidden['id']}/evidence", token=None).status_code == 404
    staff_view = api.request("GET", f"/api/v1/usecases/{hidden['id']}/evidence", params=window)
    assert staff_view.status_code == 200 and staff_view.json()["availability_pct"] == 0.0


def test_influxdb_stopped_answers_503_with_a_clear_message(evidence_api: EvidenceApi, own_influx) -> None:
    server, _proxy = own_influx
    evidence_api.use(evidence_settings(server.url, "tele", timeout_s=2))
    use_case = evidence_api.client.create_use_case("video_surveillance")
    path = f"/api/v1/usecases/{use_case['id']}/evidence"
    assert evidence_api.client.request("GET", path, token=None).status_code == 200
    server.stop()
    for url in (path, "/api/v1/evidence"):
        response = evidence_api.client.request("GET", url, token=None)
        assert response.status_code == 503, response.text
        error = response.json()["error"]
        assert error["code"] == "telemetry_unavailable"
        assert "telemetry unavailable" in error["message"] and server.url in error["message"]
    # the registry itself still answers
    assert evidence_api.client.request("GET", f"/api/v1/usecases/{use_case['id']}", token=None).status_code == 200
