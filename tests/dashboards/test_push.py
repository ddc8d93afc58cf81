"""`i5g dashboards push` against a FAKE Grafana HTTP API (tests/dashboards/fake_grafana.py, on
pytest-httpserver): no Grafana can run here. Shows creation, idempotency, updates, and the errors for bad
credentials, missing permissions and an unreachable Grafana."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from dashboards.build import load_committed
from dashboards.push import PushError, datasource_definition, push
from devstack.process import free_port
from i5g.cli import main
from i5g.grafana import DATASOURCE_UID, FOLDER_UID
from tests.dashboards.fake_grafana import FakeGrafana

TOKEN = "glsa_test_token"
DATASOURCE = datasource_definition("http://influxdb:8086", "i5g")


@pytest.fixture
def grafana(httpserver: HTTPServer) -> FakeGrafana:
    return FakeGrafana(httpserver, TOKEN).install()


def test_first_push_creates_datasource_folder_and_every_dashboard(grafana: FakeGrafana) -> None:
    report = push(grafana.url, TOKEN, "Industrial 5G", DATASOURCE)
    committed = dict(load_committed())
    assert report.datasource == "created" and report.folder == "created"
    assert set(report.dashboards.values()) == {"created"} and len(report.dashboards) == len(committed)
    assert grafana.datasources[DATASOURCE_UID]["jsonData"]["version"] == "InfluxQL"
    assert grafana.folders[FOLDER_UID]["title"] == "Industrial 5G"
    for board in committed.values():
        stored = grafana.dashboards[board["uid"]]
        assert stored["meta"]["folderUid"] == FOLDER_UID
        assert {k: v for k, v in stored["dashboard"].items() if k not in ("id", "version")} == board


def test_second_push_changes_nothing(grafana: FakeGrafana) -> None:
    push(grafana.url, TOKEN, "Industrial 5G", DATASOURCE)
    writes = len(grafana.writes)
    report = push(grafana.url, TOKEN, "Industrial 5G", DATASOURCE)
    assert report.datasource == "unchanged" and report.folder == "unchanged"
    assert set(report.dashboards.values()) == {"unchanged"}
    assert len(grafana.writes) == writes


def test_drift_in_grafana_is_overwritten_and_only_there(grafana: FakeGrafana) -> None:
    push(grafana.url, TOKEN, "Industrial 5G", DATASOURCE)
    grafana.dashboards["i5g-fleet"]["dashboard"]["title"] = "edited by hand"
    grafana.datasources[DATASOURCE_UID]["url"] = "http://elsewhere:8086"
    report = push(grafana.url, TOKEN, "Renamed", DATASOURCE)
    assert report.datasource == "updated" and report.folder == "renamed"
    assert {uid for uid, status in report.dashboards.items() if status != "unchanged"} == {"i5g-fleet"}
    assert grafana.dashboards["i5g-fleet"]["dashboard"]["title"] == "i5g fleet overview"
    assert grafana.dashboards["i5g-fleet"]["dashboard"]["version"] == 2
    assert grafana.datasources[DATASOURCE_UID]["url"] == "http://influxdb:8086"


def test_influxdb2_token_goes_in_the_authorization_header(grafana: FakeGrafana) -> None:
    definition = datasource_definition("http://influxdb2:8086", "i5g", token="influx-secret")
    assert definition["secureJsonData"] == {"httpHeaderValue1": "Token influx-secret"}
    push(grafana.url, TOKEN, "Industrial 5G", definition)
    stored = grafana.datasources[DATASOURCE_UID]
    assert stored["jsonData"]["httpHeaderName1"] == "Authorization"
    assert stored["secureJsonFields"] == {"httpHeaderValue1": True}


def test_bad_token_is_a_clear_error_and_writes_nothing(grafana: FakeGrafana) -> None:
    with pytest.raises(PushError, match=r"rejected the credentials \(401\)"):
        push(grafana.url, "wrong", "Industrial 5G", DATASOURCE)
    assert grafana.writes == [] and grafana.dashboards == {}


def test_viewer_token_is_a_clear_error(grafana: FakeGrafana) -> None:
    with pytest.raises(PushError, match=r"refused \(403\).*Editor"):
        push(grafana.url, grafana.read_only_token, "Industrial 5G", DATASOURCE)


def test_unreachable_grafana_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PushError, match=f"cannot reach Grafana at {url}"):
        push(url, TOKEN, "Industrial 5G", DATASOURCE, timeout_s=2)


def test_no_dashboards_to_push_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PushError, match="i5g dashboards build"):
        push("http://127.0.0.1:9", TOKEN, "x", DATASOURCE, source_dir=tmp_path)


def test_cli_push_and_its_errors(grafana: FakeGrafana, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["dashboards", "push", "--url", grafana.url, "--influx-url", "http://influxdb:8086"]
    assert main([*args, "--token", TOKEN, "--folder", "Industrial 5G"]) == 0
    out = capsys.readouterr().out
    assert f"datasource {DATASOURCE_UID}: created" in out and "dashboard i5g-fleet: created" in out
    assert main([*args, "--token", TOKEN, "--folder", "Industrial 5G"]) == 0
    assert "created" not in capsys.readouterr().out
    assert main([*args, "--token", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("i5g: error: Grafana at") and "401" in err and len(err.splitlines()) == 1
