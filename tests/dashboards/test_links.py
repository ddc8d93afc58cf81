"""The registry's use-case page links to the drill-down with the variables set."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from dashboards import build
from i5g.grafana import ALL, DRILLDOWN_UID, drilldown_url


def test_drilldown_url_sets_every_variable_of_the_drilldown() -> None:
    url = drilldown_url("https://grafana.example/", 42, "常州", "中天钢铁(常州)集团", "gw-agv-1")
    parts = urlsplit(url)
    assert parts.path == f"/d/{DRILLDOWN_UID}/i5g-use-case-drill-down"
    params = dict(parse_qsl(parts.query))
    assert params == {
        "var-city": "常州",
        "var-enterprise": "中天钢铁(常州)集团",
        "var-use_case": "42",
        "var-gateway": "gw-agv-1",
    }
    board = build.generate()["drilldown.json"]
    assert board["uid"] == DRILLDOWN_UID
    assert {f"var-{v['name']}" for v in board["templating"]["list"]} == set(params)


def test_without_a_gateway_every_gateway_is_selected() -> None:
    params = dict(parse_qsl(urlsplit(drilldown_url("http://g:3000", "7", "苏州", "E")).query))
    assert params["var-gateway"] == ALL
