"""The generated dashboards: committed = generated, schema-valid, one per scenario, bounds drawn as thresholds."""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from packaging.version import Version

from dashboards import build
from dashboards.verify import panels
from i5g.contract import FIELD_SLA_VIOLATIONS, RADIO_SIGNAL_KPIS, TAG_SCENARIO
from i5g.grafana import DATASOURCE_UID, DRILLDOWN_UID, FLEET_UID, scenario_uid
from i5g.scenarios import SCENARIOS

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated() -> dict[str, dict[str, Any]]:
    return build.generate()


def test_committed_json_is_what_the_code_generates() -> None:
    problems = build.differences()
    assert problems == [], "run `i5g dashboards build` and commit dashboards/generated/:\n" + "\n".join(problems)


def test_docs_catalogue_describes_every_panel() -> None:
    assert build.doc_differences() == [], "run `i5g dashboards build` and commit docs/dashboards.md"
    text = build.catalog.DOC_PATH.read_text(encoding="utf-8")
    for board in build.generate().values():
        assert f"uid `{board['uid']}`" in text
        for panel in panels(board):
            if panel["type"] != "row":
                assert panel["description"], (board["uid"], panel["title"])
                assert panel["description"] in text


def test_drift_is_detected(tmp_path: Path) -> None:
    build.write(tmp_path)
    assert build.differences(tmp_path) == []
    target = tmp_path / "fleet.json"
    target.write_text(target.read_text(encoding="utf-8").replace("now-6h", "now-1h"), encoding="utf-8")
    (tmp_path / "stale.json").write_text("{}", encoding="utf-8")
    (tmp_path / "drilldown.json").unlink()
    problems = build.differences(tmp_path)
    assert any("fleet.json differs" in p for p in problems)
    assert any("stale.json is not generated" in p for p in problems)
    assert any("drilldown.json is missing" in p for p in problems)


def test_generation_is_deterministic(generated: dict[str, dict[str, Any]]) -> None:
    again = build.generate()
    assert [build.render(b) for b in again.values()] == [build.render(b) for b in generated.values()]


def test_every_dashboard_validates_against_the_sdk_schema(shared_dir: Path) -> None:
    schema = json.loads((shared_dir / "grafana" / "dashboard.jsonschema.json").read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("http://json-schema.org/draft-07/")
    validator = jsonschema.Draft7Validator(schema)
    committed = dict(build.load_committed())
    assert len(committed) == len(SCENARIOS) + 2
    for name, board in committed.items():
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(board)]
        assert errors == [], f"{name}: {errors[:5]}"
    # The validator is not vacuous: a panel without its required type is rejected.
    broken = json.loads(json.dumps(committed["fleet.json"]))
    del broken["panels"][1]["type"]
    assert list(validator.iter_errors(broken))


def test_fixed_uids_one_dashboard_per_scenario(generated: dict[str, dict[str, Any]]) -> None:
    uids = [board["uid"] for board in generated.values()]
    assert len(set(uids)) == len(uids)
    assert {FLEET_UID, DRILLDOWN_UID} | {scenario_uid(key) for key in SCENARIOS} == set(uids)
    for uid in uids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid), uid


def test_panel_ids_unique_and_every_query_on_the_project_datasource(generated: dict[str, dict[str, Any]]) -> None:
    for board in generated.values():
        ids = [panel["id"] for panel in panels(board)]
        assert len(set(ids)) == len(ids), board["uid"]
        for panel in panels(board):
            for target in panel.get("targets", []):
                assert target["datasource"] == {"type": "influxdb", "uid": DATASOURCE_UID}
                assert target["rawQuery"] is True
                assert "$timeFilter" in target["query"], (board["uid"], panel["title"])
                if "GROUP BY time(" in target["query"]:
                    assert "GROUP BY time($__interval)" in target["query"]
        for variable in board["templating"].get("list", []):
            assert variable["datasource"]["uid"] == DATASOURCE_UID
            assert variable["query"].startswith("SHOW TAG VALUES")


def _kpi_panels(board: dict[str, Any], kpi: str) -> list[dict[str, Any]]:
    return [
        p
        for p in panels(board)
        if p["type"] == "timeseries"
        and any(f'("{kpi}"' in t["query"] for t in p.get("targets", []))
        and p["fieldConfig"]["defaults"]["custom"].get("thresholdsStyle", {}).get("mode") == "line+area"
    ]


def test_every_bound_is_drawn_as_a_threshold_on_its_kpi_panel(generated: dict[str, dict[str, Any]]) -> None:
    checked = 0
    for key, scenario in SCENARIOS.items():
        board = generated[f"scenario-{key}.json"]
        for requirement in scenario.bounds():
            found = _kpi_panels(board, requirement.kpi)
            assert found, f"{key}: no panel draws the bound on {requirement.kpi}"
            steps = found[0]["fieldConfig"]["defaults"]["thresholds"]["steps"]
            values = {step["value"]: step["color"] for step in steps}
            strictest = [
                r.value for r in scenario.bounds() if r.kpi == requirement.kpi and r.direction == requirement.direction
            ]
            limit = min(strictest) if requirement.direction == "max" else max(strictest)
            assert limit in values, (key, requirement, steps)
            # Beyond a max is red; at or above a min is green.
            assert values[limit] == ("red" if requirement.direction == "max" else "green")
            checked += 1
    assert checked >= len(SCENARIOS)


def test_scenario_dashboards_have_compliance_radio_and_breakdowns(generated: dict[str, dict[str, Any]]) -> None:
    for key in SCENARIOS:
        board = generated[f"scenario-{key}.json"]
        queries = " ".join(t["query"] for p in panels(board) for t in p.get("targets", []))
        titles = {p.get("title") for p in panels(board)}
        assert f"\"{TAG_SCENARIO}\" = '{key}'" in queries
        assert FIELD_SLA_VIOLATIONS in queries
        for field in RADIO_SIGNAL_KPIS:
            assert f'"{field}"' in queries, (key, field)
        assert {"SLA compliance", "By use case", "By gateway"} <= titles


def test_grafana_foundation_sdk_is_pinned_and_installed_at_the_pin() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["optional-dependencies"]["dashboards"] if "grafana-foundation-sdk" in d]
    assert pins == ["grafana-foundation-sdk==0.0.21"]
    # Without the exact pin pip would pick an epoch-prefixed build like 1769699998!10.1.0.
    installed = Version(version("grafana-foundation-sdk"))
    assert installed == Version("0.0.21") and installed.epoch == 0
